#!/usr/bin/env bash
# Where socketio's per-call cost goes: the steps of breakdown.bpf.c, each loaded alone, under
# sockio.c (CALLS socket calls on one loopback TCP connection), with the kernel's BPF statistics
# on; ns per run of each step, medians over ROUNDS interleaved rounds.
#
#   bench/toolbox/breakdown.sh    (env: ROUNDS=5 CALLS=1000000)
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
. "$ROOT/bench/lib.sh"   # quiet, median, run_bg, stats_run, interleaved, inner_traps
ROUNDS=${ROUNDS:-5}
CALLS=${CALLS:-1000000}
STEPS=(b0 b1 b2 b3 b4 b4pc b5 c5 c5d)
step() { TRACER=("$WORK/floor" "$WORK/breakdown.bpf.o" 600 "${1}_send" "${1}_recv"); WATCH=err; PATTERN="programs attached"
  quiet; stats_run "$1" "$2" "$WORK/sockio" "$CALLS"; }
if [ "${1:-}" = --inner ]; then
  inner_traps
  interleaved "$ROUNDS" "bench breakdown" step "${STEPS[@]}"
  exit 0
fi
[ "$(id -u)" = 0 ] || { echo "bench breakdown: needs root (BPF)" >&2; exit 2; }
WORK=$(mktemp -d /tmp/netdx-bench-breakdown.XXXXXX)
export WORK
CUR=""
trap '[ -z "$CUR" ] || { kill -TERM "$CUR" 2>/dev/null || true; wait "$CUR" 2>/dev/null || true; }; rm -rf "$WORK"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
"$ROOT/netdx" --setup-only   # build/vmlinux.h
arch=$(uname -m); case "$arch" in x86_64) tarch=x86;; aarch64) tarch=arm64;; *) tarch=$arch;; esac
clang -target bpf -g -O2 -Wall -Wno-unused-variable -D__TARGET_ARCH_$tarch -I"$ROOT/build" -I"$ROOT/bpf/include" \
  -c "$HERE/breakdown.bpf.c" -o "$WORK/breakdown.bpf.o"
gcc -O2 -Wall -Wextra -o "$WORK/sockio" "$HERE/sockio.c"
gcc -O2 -Wall -o "$WORK/statson" "$ROOT/bench/doctor/statson.c"
gcc -O2 -Wall -o "$WORK/floor" "$ROOT/bench/doctor/floor.c" -lbpf
: > "$WORK/stats.tsv"
ROUNDS=$ROUNDS CALLS=$CALLS run_bg "$WORK/statson" bash "$0" --inner
echo
echo "socketio's per-call cost, step by step — $(date -u +%Y-%m-%d), $(uname -r), $(nproc) CPUs;"
echo "$ROUNDS rounds of $CALLS calls, medians of run_time_ns/run_cnt (~30 ns of each is the statistics clock)."
printf '%-6s %8s %8s\n' STEP NS/RUN +NS
nsof() { awk -F'\t' -v c="$1" '$1 == c && $3 > 0 { print $4 / $3 }' "$WORK/stats.tsv" | median; }
prev=""
for s in "${STEPS[@]}"; do
  ns=$(nsof "$s")
  case $s in b4pc | b5) ref=$(nsof b4) ;; c5) ref=$(nsof b5) ;; c5d) ref=$(nsof c5) ;; *) ref=$prev ;; esac
  awk -v s="$s" -v n="$ns" -v r="$ref" 'BEGIN { printf "%-6s %8.1f %8s\n", s, n, r == "" ? "-" : sprintf("%+.1f", n - r) }'
  case $s in b0 | b1 | b2 | b3 | b4) prev=$ns ;; esac
done
echo "(+NS: against the step before; b4pc and b5 against b4, c5 against b5, c5d against c5)"
