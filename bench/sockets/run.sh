#!/usr/bin/env bash
# Benchmark for `netdx sockets` against ss on many established loopback TCP connections, run in a
# network namespace of its own so the host's socket table stays clean. Not part of the tests.
#   bash bench/sockets/run.sh [SMALL_SOCKETS] [LARGE_SOCKETS] [RUNS]     (defaults 2000 20000 11)
# SOCKETS are established TCP sockets: SOCKETS/2 loopback connections, each listed from both ends.
set -euo pipefail
cd "$(dirname "$0")/../.."
NS="netdx-bench-$$"
cleanup() {
  # the holders run inside the namespace: end them by their PIDs, then remove the namespace
  for p in $(ip netns pids "$NS" 2>/dev/null); do kill -9 "$p" 2>/dev/null || true; done
  ip netns del "$NS" 2>/dev/null || true
}
trap cleanup EXIT INT TERM HUP
# each holder process keeps at most 5,000 connections (10,000 fds); raise the soft limit to the
# hard one, bounded
hard=$(ulimit -Hn); [ "$hard" = unlimited ] && hard=65536; [ "$hard" -gt 65536 ] && hard=65536
ulimit -n "$hard"
ip netns add "$NS"
ip -n "$NS" link set lo up
ip netns exec "$NS" node bench/sockets/sockets.mjs "$@"
