#!/usr/bin/env bash
# tcpconnect benchmark: netdx tcpconnect against a bpftrace tracepoint tcpconnect (tcpconnect.bt
# here: the shipped one needs kprobes), on tcplife's loopback workload of N sequential
# connections (bench/tcplife/workload.c), rounds interleaved, medians.
#
#   bench/tcpconnect/run.sh        (env: N=20000 ROUNDS=7 PORT=<above the ephemeral range>)
#
# Measures per configuration: the workload's wall time, the tracer's launch-to-attached time
# (spawn to its "Tracing"/header line, warm; bench/tcplife/tracerun.c), its CPU time, and the
# connects it reported to the workload's port (every one is expected, with result OK/0). Tracer
# output goes to files (so lines can be counted). Loopback only; every loop is bounded; on any
# exit it ends only what it started.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
. "$ROOT/bench/lib.sh"   # quiet, median, run_bg
N=${N:-20000}
ROUNDS=${ROUNDS:-7}
# Server ports above the ephemeral range, 1,500 above tcplife's (which uses the next 500).
read -r EPH_LO EPH_HI < /proc/sys/net/ipv4/ip_local_port_range
if [ -z "${PORT:-}" ]; then
  if [ "$EPH_HI" -le 63500 ]; then PORT=$((EPH_HI + 1501)); else PORT=$((EPH_LO - 1500)); fi
fi
export PATH="$PATH:/usr/sbin:/sbin"
unset NODE_EXTRA_CA_CERTS   # as the ./netdx launcher does

[ "$(id -u)" = 0 ] || { echo "bench tcpconnect: needs root (BPF)" >&2; exit 2; }
command -v bpftrace >/dev/null || { echo "bench tcpconnect: bpftrace not installed (apt-get install bpftrace)" >&2; exit 2; }
command -v gcc >/dev/null || { echo "bench tcpconnect: gcc not installed" >&2; exit 2; }

WORK=$(mktemp -d /tmp/netdx-bench-tcpconnect.XXXXXX)
CUR=""
cleanup() {
  if [ -n "$CUR" ] && kill -0 "$CUR" 2>/dev/null; then kill -TERM "$CUR" 2>/dev/null || true; wait "$CUR" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

gcc -O2 -Wall -Wextra -pthread -o "$WORK/workload" "$ROOT/bench/tcplife/workload.c"
gcc -O2 -Wall -Wextra -o "$WORK/tracerun" "$ROOT/bench/tcplife/tracerun.c"
W="$WORK/workload"; TR="$WORK/tracerun"
"$ROOT/netdx" --setup-only
# node on a snapshot of dist/: others rebuild the tree while this runs
mkdir -p "$WORK/netdx"
cp -r "$ROOT/dist" "$ROOT/package.json" "$WORK/netdx/"
ln -s "$ROOT/node_modules" "$WORK/netdx/node_modules"
NETDX=(node "$WORK/netdx/dist/netdx.cjs" tcpconnect)
"${NETDX[@]}" -d 0.2 > /dev/null || { echo "bench tcpconnect: netdx tcpconnect does not run (snapshot of dist/)" >&2; exit 1; }
BT=(bpftrace "$HERE/tcpconnect.bt")

# connects to the workload's port that succeeded (netdx: DPORT col 7, RESULT OK; bt: ERR 0)
connects_ok() { awk -v p="$PORT" '$7 == p && ($9 == "OK" || $9 == "0") { n++ } END { print n+0 }' "$1"; }

RES="$WORK/results.tsv"   # cfg round wall_s attach_ms cpu_start_s cpu_s connects busy%
: > "$RES"
FAILED=0
BASE_PORT=$PORT; SEQ=0
next_port() { PORT=$((BASE_PORT + SEQ % 500)); SEQ=$((SEQ + 1)); }
run_cfg() {  # cfg round
  local cfg=$1 round=$2 out="$WORK/out" err="$WORK/err" log="$WORK/log"
  next_port; quiet
  if [ "$cfg" = base ]; then
    run_bg "$W" seq "$PORT" "$N" > "$log" || { echo "bench tcpconnect: workload failed: $(cat "$log")" >&2; FAILED=$((FAILED + 1)); return; }
    printf '%s\t%s\t%s\t-\t-\t-\t-\t%s\n' "$cfg" "$round" "$(field wall_s < "$log")" "$BUSY" >> "$RES"
    return
  fi
  local -a tracer; local watch pattern
  if [ "$cfg" = netdx ]; then tracer=("${NETDX[@]}"); watch=$err; pattern="Tracing TCP connects"
  else tracer=("${BT[@]}"); watch=$out; pattern="PID     COMM"; fi
  if ! run_bg "$TR" "$out" "$err" "$watch" "$pattern" -- "${tracer[@]}" ::: "$W" seq "$PORT" "$N" > "$log" ||
     [ "$(field rc < "$log")" != 0 ] || [ "$(field work_rc < "$log")" != 0 ]; then
    echo "bench tcpconnect: $cfg round $round failed (left out):" >&2; cat "$log" "$err" >&2
    FAILED=$((FAILED + 1)); return
  fi
  grep -h -i "lost" "$err" 2>/dev/null | sed "s/^/bench tcpconnect: $cfg round $round: /" >&2 || true
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$cfg" "$round" "$(field wall_s < "$log")" "$(field attach_ms < "$log")" \
    "$(field cpu_start_s < "$log")" "$(field cpu_s < "$log")" "$(connects_ok "$out")" "$BUSY" >> "$RES"
}

CONFIGS=(base netdx bpftrace)
echo "bench tcpconnect: warm-up (one run of each tracer, not measured)" >&2
run_cfg netdx 0; run_cfg bpftrace 0
: > "$RES"; FAILED=0
echo "bench tcpconnect: $ROUNDS rounds of ${CONFIGS[*]}, N=$N connections each" >&2
for ((r = 1; r <= ROUNDS; r++)); do
  for ((i = 0; i < ${#CONFIGS[@]}; i++)); do run_cfg "${CONFIGS[$(((i + r - 1) % ${#CONFIGS[@]}))]}" "$r"; done
  echo "bench tcpconnect: round $r done" >&2
done
# Launch to attached through the ./netdx launcher (what a user types), 7 times; a run in which
# the launcher rebuilt (someone edited src/) is left out.
LAUNCH="$WORK/launch"; : > "$LAUNCH"
for ((r = 1; r <= 7; r++)); do
  quiet
  run_bg "$TR" "$WORK/l.out" "$WORK/l.err" "$WORK/l.err" "Tracing TCP connects" -- "$ROOT/netdx" tcpconnect ::: true > "$WORK/l.log" || true
  grep -q 'netdx setup:' "$WORK/l.err" || field attach_ms < "$WORK/l.log" >> "$LAUNCH"
done

col() { awk -F'\t' -v c="$1" -v k="$2" '$1 == c && $k != "-" { print $k }' "$RES"; }
med() { col "$1" "$2" | median; }
range() { col "$1" "$2" | sort -g | awk 'NR == 1 { lo = $1 } { hi = $1 } END { if (NR) printf "%.3f–%.3f", lo, hi; else printf "-" }'; }
base=$(med base 3)
echo
echo "tcpconnect benchmark — $(date -u +%Y-%m-%d), $(uname -r), $(nproc) CPUs; N=$N sequential loopback connections"
echo "(2 KB up / 4 KB down each), $ROUNDS interleaved rounds, medians; tracer output to files; unfiltered."
echo
printf '%-9s %5s %8s %15s %8s %10s %7s %10s\n' CONFIG RUNS WALL_S RANGE_S ADDED ATTACH_MS CPU_S CONNECTS
for cfg in "${CONFIGS[@]}"; do
  w=$(med "$cfg" 3)
  a=$(awk -v w="$w" -v b="$base" 'BEGIN { printf "%+.1f%%", (w / b - 1) * 100 }')
  if [ "$cfg" = base ]; then a=-; fi
  at=$(med "$cfg" 4); cpu=$(med "$cfg" 6)
  if [ "$cfg" = base ]; then at=-; cpu=-; fi
  printf '%-9s %5s %8.3f %15s %8s %10s %7s %10s\n' "$cfg" "$(col "$cfg" 3 | wc -l)" "$w" "$(range "$cfg" 3)" "$a" \
    "$at" "$cpu" "$(col "$cfg" 7 | sort -g | awk 'NR == 1 { lo = $1 } { hi = $1 } END { if (NR) print (lo == hi ? lo : lo "-" hi); else print "-" }')"
done
awk -v a="$(med netdx 3)" -v b="$(med bpftrace 3)" -v base="$base" \
  'BEGIN { if (b - base <= 0) print "netdx added / bpftrace added: n/a"; else printf "netdx added / bpftrace added: %.2f\n", (a - base) / (b - base) }'
echo "netdx launch-to-attached median: node direct $(med netdx 4) ms; ./netdx launcher $(median < "$LAUNCH") ms ($(wc -l < "$LAUNCH") runs); bpftrace $(med bpftrace 4) ms"
echo "(CONNECTS: successful connects to the workload's port reported per run, min-max; expected $N)"
echo "Runs left out as failed: $FAILED; runs started on a busy machine (>15% CPU after 60 s of waiting): $NOISY"
echo "Load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
if [ -n "${BENCH_KEEP:-}" ]; then cp "$RES" "$BENCH_KEEP/tcpconnect-results.tsv"; fi
