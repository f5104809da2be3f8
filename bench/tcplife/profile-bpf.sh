#!/usr/bin/env bash
# tcplife's in-kernel cost per program: runs and run time of each of its BPF programs (the
# kernel's BPF run-time statistics, on only while this runs: bench/doctor/statson.c) over N
# loopback connections, for this build's tcplife and for any other builds given, alternately.
# Statistics add two clock reads per run (~40 ns).
#
#   bench/tcplife/profile-bpf.sh [OTHER_DIST...]   (env: N=20000 REPS=3 ARGS="" (e.g. "-L 61999"))
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
N=${N:-20000}
REPS=${REPS:-3}
read -r _ EPH_HI < /proc/sys/net/ipv4/ip_local_port_range
PORT=${PORT:-$((EPH_HI + 2001))}
export PATH="$PATH:/usr/sbin:/sbin"
unset NODE_EXTRA_CA_CERTS
[ "$(id -u)" = 0 ] || { echo "profile-bpf: needs root" >&2; exit 2; }

if [ -z "${PROFILE_BPF_INNER:-}" ]; then
  WORK=$(mktemp -d /tmp/netdx-profile-tcplife.XXXXXX)
  trap 'rm -rf "$WORK"' EXIT
  gcc -O2 -Wall -o "$WORK/statson" "$ROOT/bench/doctor/statson.c"
  gcc -O2 -Wall -pthread -o "$WORK/workload" "$HERE/workload.c"
  PROFILE_BPF_INNER=1 WORK="$WORK" "$WORK/statson" bash "$0" "$@"
  exit
fi

CUR=""
trap '[ -z "$CUR" ] || kill -INT "$CUR" 2>/dev/null || true' EXIT
prog_stats() {  # pid -> name run_cnt run_time_ns, one line per program fd
  local f id cnt ns name
  for f in /proc/"$1"/fdinfo/*; do
    cnt=$(awk '$1 == "run_cnt:" { print $2 }' "$f" 2>/dev/null) || continue
    [ -n "$cnt" ] || continue
    id=$(awk '$1 == "prog_id:" { print $2 }' "$f")
    ns=$(awk '$1 == "run_time_ns:" { print $2 }' "$f")
    name=$(bpftool prog show id "$id" 2>/dev/null | sed -n 's/.* name \([^ ]*\) .*/\1/p' | head -1)
    printf '%s\t%s\t%s\n' "${name:-id$id}" "$cnt" "$ns"
  done | sort -u
}
DISTS=("$ROOT/dist" "$@")
echo "tcplife BPF programs over $N connections, $(date -u +%Y-%m-%dT%H:%MZ), $(uname -r); args: ${ARGS:-(none)}"
for ((r = 1; r <= REPS; r++)); do
  for d in "${DISTS[@]}"; do
    # shellcheck disable=SC2086
    node "$d/netdx.cjs" tcplife ${ARGS:-} > /dev/null 2> "$WORK/err" & CUR=$!
    for ((i = 0; i < 3000; i++)); do grep -q Tracing "$WORK/err" && break; sleep 0.01; done
    "$WORK/workload" seq "$PORT" "$N" > "$WORK/wl.log"
    PORT=$((PORT + 1))
    sleep 0.2
    prog_stats "$CUR" > "$WORK/stats"
    kill -INT "$CUR"; wait "$CUR" || true; CUR=""
    echo "== $d, rep $r: $(cat "$WORK/wl.log")"
    awk -F'\t' -v n="$N" '{ t += $3; printf "  %-18s %9d runs %7.0f ns/run %7.1f ms %6.2f runs/conn\n", $1, $2, $2 ? $3 / $2 : 0, $3 / 1e6, $2 / n }
      END { printf "  %-18s %36.1f ms  %.2f us/conn\n", "all", t / 1e6, t / n / 1000 }' "$WORK/stats"
  done
done
