#!/usr/bin/env bash
# The benchmark command (npm run bench): runs every bench/*/run.sh in turn (not part of the
# tests: they need root, bpftrace and a quiet machine). BENCH_FILTER=regex picks some.
set -euo pipefail
cd "$(dirname "$0")/.."
rc=0
for b in bench/*/run.sh; do
  [ -e "$b" ] || continue
  if [ -n "${BENCH_FILTER:-}" ] && ! [[ "$b" =~ $BENCH_FILTER ]]; then continue; fi
  echo "== $b" >&2
  bash "$b" || { echo "bench: $b failed (exit $?)" >&2; rc=1; }
done
exit $rc
