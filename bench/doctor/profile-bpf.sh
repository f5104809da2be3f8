#!/usr/bin/env bash
# Where the doctor's in-kernel cost goes: each of its BPF programs' runs and run time (the kernel's
# BPF run-time statistics, on only while this runs: statson.c) over the connection workload and
# the bulk stream, beside the same for the floor's empty programs (the cost of entering a program
# at all, the tracepoint's own dispatch excluded). Statistics add two clock reads per run (~40 ns).
# Each further dist directory given is profiled the same way after this one (before/after).
#
#   bench/doctor/profile-bpf.sh [OTHER_DIST...]
#       (env: N=20000 BULK_BYTES=20000000000 BULK_CPUS="0 1")
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
N=${N:-20000}
BULK_BYTES=${BULK_BYTES:-20000000000}
BULK_CPUS=${BULK_CPUS-0 1}
read -r _ EPH_HI < /proc/sys/net/ipv4/ip_local_port_range
PORT=${PORT:-$((EPH_HI + 1501))}
export PATH="$PATH:/usr/sbin:/sbin"
unset NODE_EXTRA_CA_CERTS
[ "$(id -u)" = 0 ] || { echo "profile-bpf: needs root" >&2; exit 2; }

if [ -z "${PROFILE_BPF_INNER:-}" ]; then
  WORK=$(mktemp -d /tmp/netdx-profile-bpf.XXXXXX)
  trap 'rm -rf "$WORK"' EXIT
  gcc -O2 -Wall -o "$WORK/statson" "$HERE/statson.c"
  gcc -O2 -Wall -pthread -o "$WORK/workload" "$ROOT/bench/tcplife/workload.c"
  gcc -O2 -Wall -pthread -o "$WORK/bulk" "$HERE/bulk.c"
  gcc -O2 -Wall -o "$WORK/floor" "$HERE/floor.c" -lbpf
  clang -O2 -g -target bpf -I"/usr/include/$(gcc -dumpmachine)" -c "$HERE/floor.bpf.c" -o "$WORK/floor.bpf.o"
  # statson turns the statistics on for the inner run only, and off on any exit
  PROFILE_BPF_INNER=1 WORK="$WORK" "$WORK/statson" bash "$0" "$@"
  exit
fi

CUR=""
trap '[ -z "$CUR" ] || kill -INT "$CUR" 2>/dev/null || true' EXIT
# prog stats of a process's BPF program fds: name run_cnt run_time_ns
prog_stats() {
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
wait_links() {  # pid: until it holds BPF links and their number has not changed for 0.3 s
  local i n last=-1 same=0
  for ((i = 0; i < 1500; i++)); do
    n=$(find "/proc/$1/fd" -lname 'anon_inode:bpf_link' 2>/dev/null | wc -l)
    if [ "$n" -gt 0 ] && [ "$n" = "$last" ]; then same=$((same + 1)); else same=0; fi
    [ "$same" -ge 15 ] && return 0
    last=$n
    sleep 0.02
  done
  return 1
}
run() {  # label units unit-name tracer(dist dir|floor) workload...
  local label=$1 units=$2 uname=$3 tr=$4 pid; shift 4
  if [ "$tr" != floor ]; then
    node "$tr/netdx.cjs" doctor -d 60 > /dev/null 2>&1 & pid=$!
  else
    "$WORK/floor" "$WORK/floor.bpf.o" 120 2> /dev/null & pid=$!
  fi
  CUR=$pid
  wait_links "$pid" || { echo "profile-bpf: $tr not attached" >&2; kill -INT "$pid"; wait "$pid" || true; return 1; }
  sleep 0.5
  local before after
  before=$(prog_stats "$pid")
  "$@" > "$WORK/wl.log"
  after=$(prog_stats "$pid")
  kill -INT "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; CUR=""
  echo "== $label ($tr): $(cat "$WORK/wl.log")"
  printf '  %-22s %12s %10s %9s %12s\n' PROGRAM RUNS NS/RUN TOTAL_MS "RUNS/$uname"
  join -t $'\t' <(echo "$before" | sort) <(echo "$after" | sort) | awk -F'\t' -v u="$units" '
    { runs = $4 - $2; ns = $5 - $3; tr += runs; tns += ns
      printf "  %-22s %12d %10s %9.1f %12.2f\n", $1, runs, runs ? sprintf("%.0f", ns / runs) : "-", ns / 1e6, runs / u }
    END { printf "  %-22s %12d %10s %9.1f %12.2f\n", "all", tr, "", tns / 1e6, tr / u }'
}
echo "BPF programs' run counts and time, $(date -u +%Y-%m-%dT%H:%MZ), $(uname -r), $(nproc) CPUs"
gb=$(awk -v b="$BULK_BYTES" 'BEGIN { print b / 1e9 }')
for tr in "$ROOT/dist" "$@" floor; do
  run "conn: $N connections" "$N" conn "$tr" "$WORK/workload" seq "$PORT" "$N"; PORT=$((PORT + 1))
  # shellcheck disable=SC2086
  run "bulk: $BULK_BYTES bytes" "$gb" GB "$tr" "$WORK/bulk" "$PORT" "$BULK_BYTES" 131072 $BULK_CPUS; PORT=$((PORT + 1))
done
