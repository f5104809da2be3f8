#!/usr/bin/env bash
# tcplife benchmark: netdx tcplife against a bpftrace tracepoint tcplife (tcplife.bt here; the
# shipped one needs kprobes), on a loopback workload of N sequential connections (2 KB up,
# 4 KB down each), rounds interleaved so drift hits every configuration alike.
#
#   bench/tcplife/run.sh            (env: N=20000 ROUNDS=5 PORT=<above the ephemeral range> RATE_SECONDS=4
#                                    COMPARE_DIST=<another build's dist/: its tcplife runs too>)
#
# Measures per configuration: the workload's wall time, the tracer's launch-to-attached time
# (spawn to its "Tracing"/BEGIN line, warm), its CPU time, events reported vs expected and
# events lost; then the highest connection rate the workload reaches on this machine and
# whether any event is lost at that rate. Tracer output goes to files (so lines can be
# counted). Loopback only; every loop is bounded; on any exit it ends only what it started.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
. "$ROOT/bench/lib.sh"   # quiet, median, run_bg
N=${N:-20000}
ROUNDS=${ROUNDS:-5}
# Server ports outside the ephemeral range: a port inside it may be held by a client socket of an
# earlier run in TIME-WAIT, which (not SO_REUSEADDR) refuses the listener's bind even with
# SO_REUSEADDR set there: that was the occasional "Address already in use" (3 of 66 runs).
read -r EPH_LO EPH_HI < /proc/sys/net/ipv4/ip_local_port_range
if [ -z "${PORT:-}" ]; then
  if [ "$EPH_HI" -le 65000 ]; then PORT=$((EPH_HI + 1)); else PORT=$((EPH_LO - 500)); fi
fi
RATE_SECONDS=${RATE_SECONDS:-4}
export PATH="$PATH:/usr/sbin:/sbin"
# Node reads NODE_EXTRA_CA_CERTS's bundle at every start (~40 ms here); the ./netdx launcher
# unsets it, so the direct node runs below do too. Its cost is shown among the floors.
CA_CERTS=${NODE_EXTRA_CA_CERTS:-}
unset NODE_EXTRA_CA_CERTS

[ "$(id -u)" = 0 ] || { echo "bench tcplife: needs root (BPF)" >&2; exit 2; }
command -v bpftrace >/dev/null || { echo "bench tcplife: bpftrace not installed (apt-get install bpftrace)" >&2; exit 2; }
command -v gcc >/dev/null || { echo "bench tcplife: gcc not installed" >&2; exit 2; }

WORK=$(mktemp -d /tmp/netdx-bench-tcplife.XXXXXX)
CUR=""  # the one child running now (tracerun or the workload); tracerun ends its own children
cleanup() {
  if [ -n "$CUR" ] && kill -0 "$CUR" 2>/dev/null; then kill -TERM "$CUR" 2>/dev/null || true; wait "$CUR" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
# Run a child in the background and wait, so a signal reaches the trap at once.

gcc -O2 -Wall -Wextra -pthread -o "$WORK/workload" "$HERE/workload.c"
gcc -O2 -Wall -Wextra -o "$WORK/tracerun" "$HERE/tracerun.c"
W="$WORK/workload"; TR="$WORK/tracerun"
"$ROOT/netdx" --setup-only   # build once now
# The runs call node on a snapshot of dist/: other people rebuild the tree while this runs, and
# the ./netdx launcher would rebuild (and be timed rebuilding) whenever a source file changed.
mkdir -p "$WORK/netdx"
cp -r "$ROOT/dist" "$ROOT/package.json" "$WORK/netdx/"
ln -s "$ROOT/node_modules" "$WORK/netdx/node_modules"
NETDX=(node "$WORK/netdx/dist/netdx.cjs" tcplife)
"${NETDX[@]}" -d 0.2 > /dev/null || { echo "bench tcplife: netdx tcplife does not run (snapshot of dist/)" >&2; exit 1; }
# COMPARE_DIST: another build's tcplife in the same rounds (netdx0-*): before/after a change.
NETDX0=()
if [ -n "${COMPARE_DIST:-}" ]; then
  mkdir -p "$WORK/netdx0"
  cp -r "$COMPARE_DIST" "$WORK/netdx0/dist"
  cp "$ROOT/package.json" "$WORK/netdx0/"
  ln -s "$ROOT/node_modules" "$WORK/netdx0/node_modules"
  NETDX0=(node "$WORK/netdx0/dist/netdx.cjs" tcplife)
  "${NETDX0[@]}" -d 0.2 > /dev/null || { echo "bench tcplife: COMPARE_DIST's tcplife does not run" >&2; exit 1; }
fi
BT=(bpftrace "$HERE/tcplife.bt")

# ------------------------------------------------------------------ helpers
lost_of() {  # netdx: "netdx tcplife: N events lost"; bpftrace: "Lost N events"
  local n
  n=$(cat "$@" 2>/dev/null | sed -n -e 's/.*netdx tcplife: \([0-9]*\) events lost.*/\1/p' -e 's/.*Lost \([0-9]*\) events.*/\1/p' | awk '{s+=$1} END {print s+0}')
  echo "$n"
}
# Sessions of our workload in a tracer's output: server side (local port PORT), client side
# (remote port PORT), and everything else (other processes' traffic, counted, not expected).
count_sessions() {  # file json?
  if [ "$2" = json ]; then
    local srv cli all
    srv=$(grep -c "\"lport\":$PORT," "$1" || true)
    cli=$(grep -c "\"rport\":$PORT," "$1" || true)
    all=$(grep -c '^{' "$1" || true)
    echo "$srv $cli $((all - srv - cli))"
  else
    awk -v p="$PORT" '$1 ~ /^[0-9]+$/ && NF >= 9 { if ($4 == p) s++; else if ($6 == p) c++; else o++ } END { print s+0, c+0, o+0 }' "$1"
  fi
}
# Exact payload check (JSON only): server sessions 4096 out / 2048 in, client the reverse.
bytes_ok() {
  local a b
  a=$(grep -c "\"lport\":$PORT,.*\"tx_bytes\":4096,\"rx_bytes\":2048," "$1" || true)
  b=$(grep -c "\"rport\":$PORT,\"tx_bytes\":2048,\"rx_bytes\":4096," "$1" || true)
  echo $((a + b))
}

RES="$WORK/results.tsv"   # config round wall_s attach_ms cpu_start_s cpu_s srv cli other lost bytes_ok conns busy%
: > "$RES"

# One measured run. $1 config name, $2 kind (base|netdx|bt), $3 json|table, rest: tracer args.
run_one() {
  local cfg=$1 kind=$2 fmt=$3 round=$4; shift 4
  local out="$WORK/$cfg.out" err="$WORK/$cfg.err" log="$WORK/$cfg.log"
  quiet
  if [ "$kind" = base ]; then
    run_bg "$W" seq "$PORT" "$N" > "$log" || { echo "bench tcplife: workload failed: $(cat "$log")" >&2; FAILED=$((FAILED + 1)); return; }
    printf '%s\t%s\t%s\t-\t-\t-\t-\t-\t-\t-\t-\t%s\t%s\n' "$cfg" "$round" "$(field wall_s < "$log")" "$(field conns < "$log")" "$BUSY" >> "$RES"
    return
  fi
  local watch pattern
  if [ "$kind" = netdx ]; then watch=$err; pattern="Tracing TCP sessions"; else watch=$out; pattern="PID     COMM"; fi
  if ! run_bg "$TR" "$out" "$err" "$watch" "$pattern" -- "$@" ::: "$W" seq "$PORT" "$N" > "$log" ||
     [ "$(field rc < "$log")" != 0 ] || [ "$(field work_rc < "$log")" != 0 ]; then
    echo "bench tcplife: $cfg round $round failed (left out):" >&2; cat "$log" "$err" >&2
    FAILED=$((FAILED + 1)); return
  fi
  local s c o ok="-"
  # a lost-event line says why (ring full, or ring space refused with room left): keep it visible
  grep -h "events lost" "$err" 2>/dev/null | sed "s/^/bench tcplife: $cfg round $round: /" >&2 || true
  read -r s c o < <(count_sessions "$out" "$fmt")
  [ "$fmt" = json ] && ok=$(bytes_ok "$out")
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$cfg" "$round" "$(field wall_s < "$log")" \
    "$(field attach_ms < "$log")" "$(field cpu_start_s < "$log")" "$(field cpu_s < "$log")" \
    "$s" "$c" "$o" "$(lost_of "$out" "$err")" "$ok" "$(field conns < "$log")" "$BUSY" >> "$RES"
}
FAILED=0

CONFIGS=(base netdx-table netdx-json bpftrace netdx-all bpftrace-all)
[ ${#NETDX0[@]} -eq 0 ] || CONFIGS+=(netdx0-table netdx0-all)
BASE_PORT=$PORT
SEQ=0
# A fresh port per run: the previous run's server may still be closing its listener, and
# binding the same port then failed ("Address already in use") for a third of the runs.
next_port() { PORT=$((BASE_PORT + SEQ % 500)); SEQ=$((SEQ + 1)); }
run_cfg() {  # name round
  next_port
  case $1 in
    base)         run_one base base table "$2" ;;
    netdx-table)  run_one "$1" netdx table "$2" "${NETDX[@]}" -L "$PORT" ;;
    netdx-json)   run_one "$1" netdx json "$2" "${NETDX[@]}" -L "$PORT" --json ;;
    bpftrace)     run_one "$1" bt table "$2" "${BT[@]}" "$PORT" ;;
    netdx-all)    run_one "$1" netdx table "$2" "${NETDX[@]}" ;;
    bpftrace-all) run_one "$1" bt table "$2" "${BT[@]}" 0 ;;
    netdx0-table) run_one "$1" netdx table "$2" "${NETDX0[@]}" -L "$PORT" ;;
    netdx0-all)   run_one "$1" netdx table "$2" "${NETDX0[@]}" ;;
  esac
}

echo "bench tcplife: warm-up (one run of each tracer, not measured)" >&2
for cfg in netdx-table bpftrace; do run_cfg "$cfg" 0; done
: > "$RES"

echo "bench tcplife: $ROUNDS rounds of ${CONFIGS[*]}, N=$N connections each" >&2
for ((r = 1; r <= ROUNDS; r++)); do
  # Rotate the order every round so no configuration always follows the same one.
  for ((i = 0; i < ${#CONFIGS[@]}; i++)); do
    cfg=${CONFIGS[$(((i + r - 1) % ${#CONFIGS[@]}))]}
    run_cfg "$cfg" "$r"
  done
  echo "bench tcplife: round $r done" >&2
done

# ------------------------------------------------------------------ start-up floors
echo "bench tcplife: start-up floors" >&2
FLOOR="$WORK/floor.tsv"; : > "$FLOOR"
floor() {  # label cmd...
  local label=$1; shift
  (cd "$ROOT" && exec "$TR" time -- "$@") > "$WORK/t.log" & CUR=$!; wait "$CUR" || true; CUR=""
  printf '%s\t%s\n' "$label" "$(field wall_ms < "$WORK/t.log")" >> "$FLOOR"
}
for ((r = 1; r <= 7; r++)); do
  quiet
  floor 'node -e ""' node -e ''
  [ -z "$CA_CERTS" ] || floor 'node -e "" with NODE_EXTRA_CA_CERTS' env NODE_EXTRA_CA_CERTS="$CA_CERTS" node -e ''
  floor 'node -e "import(koffi)"' node -e "import('koffi')"
  floor 'node dist/netdx.cjs --version' node "$WORK/netdx/dist/netdx.cjs" --version
  floor './netdx --version (launcher)' ./netdx --version
  # Launch-to-attached through the ./netdx launcher (what a user types); a run in which the
  # launcher rebuilt (someone edited src/) is left out.
  run_bg "$TR" "$WORK/l.out" "$WORK/l.err" "$WORK/l.err" "Tracing TCP sessions" -- "$ROOT/netdx" tcplife -L "$PORT" ::: true > "$WORK/l.log" || true
  grep -q 'netdx setup:' "$WORK/l.err" || printf './netdx tcplife (attach)\t%s\n' "$(field attach_ms < "$WORK/l.log")" >> "$FLOOR"
done

# ------------------------------------------------------------------ highest connection rate
echo "bench tcplife: highest connection rate (${RATE_SECONDS} s per try)" >&2
best_t=1; best_rate=0
for t in 1 2 4 8 16; do
  quiet; next_port
  run_bg "$W" rate "$PORT" "$t" "$RATE_SECONDS" > "$WORK/rate.log"
  rate=$(field rate < "$WORK/rate.log")
  echo "  $t client threads: $rate conn/s" >&2
  if awk -v a="$rate" -v b="$best_rate" 'BEGIN { exit !(a > b) }'; then best_rate=$rate; best_t=$t; fi
done
RATE="$WORK/rate.tsv"; : > "$RATE"   # config threads conns rate srv cli other lost
rate_run() {  # name kind fmt tracer...
  local cfg=$1 kind=$2 fmt=$3; shift 3
  local out="$WORK/r-$cfg.out" err="$WORK/r-$cfg.err" log="$WORK/r-$cfg.log" watch pattern
  if [ "$kind" = netdx ]; then watch=$err; pattern="Tracing TCP sessions"; else watch=$out; pattern="PID     COMM"; fi
  quiet
  run_bg "$TR" "$out" "$err" "$watch" "$pattern" -- "$@" ::: "$W" rate "$PORT" "$best_t" "$RATE_SECONDS" > "$log" ||
    { echo "bench tcplife: rate run $cfg failed:" >&2; cat "$log" "$err" >&2; FAILED=$((FAILED + 1)); return; }
  local s c o
  read -r s c o < <(count_sessions "$out" "$fmt")
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$cfg" "$best_t" "$(field conns < "$log")" "$(field rate < "$log")" \
    "$s" "$c" "$o" "$(lost_of "$out" "$err")" "$(field cpu_s < "$log")" >> "$RATE"
}
next_port; rate_run netdx-all netdx table "${NETDX[@]}"
next_port; rate_run netdx-all-json netdx json "${NETDX[@]}" --json
next_port; rate_run netdx-L netdx table "${NETDX[@]}" -L "$PORT"
next_port; rate_run bpftrace-all bt table "${BT[@]}" 0

# ------------------------------------------------------------------ report
med() { awk -F'\t' -v c="$1" -v k="$2" '$1 == c && $k != "-" { print $k }' "$RES" | median; }
base_wall=$(med base 3)
echo
echo "tcplife benchmark — $(date -u +%Y-%m-%d), $(uname -r), $(nproc) CPUs; N=$N sequential loopback connections"
echo "(2 KB up / 4 KB down each), $ROUNDS interleaved rounds, medians. Tracer output to files."
echo "Expected sessions: filtered (-L PORT / .bt PORT, a fresh port from $BASE_PORT per run) = N server-side; unfiltered = 2N (+ other traffic)."
echo
printf '%-13s %8s %7s %9s %8s %8s %8s %8s %7s %5s %8s\n' CONFIG WALL_S ADDED ATTACH_MS CPU_S CPU_RUN SERVER CLIENT OTHER LOST BYTES_OK
for cfg in "${CONFIGS[@]}"; do
  w=$(med "$cfg" 3)
  added=$(awk -v w="$w" -v b="$base_wall" 'BEGIN { printf "%+.1f%%", (w / b - 1) * 100 }')
  if [ "$cfg" = base ]; then
    printf '%-13s %8.3f %7s %9s %8s %8s %8s %8s %7s %5s %8s\n' "$cfg" "$w" - - - - - - - - -
    continue
  fi
  cpu=$(med "$cfg" 6)
  cpurun=$(awk -F'\t' -v c="$cfg" '$1 == c { print $6 - $5 }' "$RES" | median)
  printf '%-13s %8.3f %7s %9.1f %8.3f %8.3f %8s %8s %7s %5s %8s\n' "$cfg" "$w" "$added" "$(med "$cfg" 4)" "$cpu" "$cpurun" \
    "$(med "$cfg" 7)" "$(med "$cfg" 8)" "$(med "$cfg" 9)" \
    "$(awk -F'\t' -v c="$cfg" '$1 == c { s += $10 } END { print s+0 }' "$RES")" "$(med "$cfg" 11)"
done
echo "(ADDED: median wall vs untraced; CPU_S: tracer CPU in all; CPU_RUN: CPU after attach; LOST: sum over rounds;"
echo " SERVER/CLIENT/OTHER: median sessions seen; BYTES_OK: JSON sessions with exact 4096/2048 payload bytes)"
echo
ratio() {  # netdx config vs bpftrace config: added wall time ratio
  awk -v a="$(med "$1" 3)" -v b="$(med "$2" 3)" -v base="$base_wall" 'BEGIN { if (b - base <= 0) print "n/a"; else printf "%.2f", (a - base) / (b - base) }'
}
echo "netdx added wall / bpftrace added wall (target <= 0.5):"
echo "  filtered:   table $(ratio netdx-table bpftrace)   json $(ratio netdx-json bpftrace)"
echo "  unfiltered: table $(ratio netdx-all bpftrace-all)"
[ ${#NETDX0[@]} -eq 0 ] || echo "  COMPARE_DIST's tcplife: filtered table $(ratio netdx0-table bpftrace)   unfiltered $(ratio netdx0-all bpftrace-all)"
echo "netdx launch-to-attached median (target <= 150 ms): node direct $(med netdx-table 4) ms;" \
  "./netdx launcher $(awk -F'\t' '$1 == "./netdx tcplife (attach)" { print $2 }' "$FLOOR" | median) ms;" \
  "bpftrace $(med bpftrace 4) ms"
echo "Start-up floors (median of 7, ms):"
while IFS= read -r k; do
  printf '  %-34s %8.1f\n' "$k" "$(awk -F'\t' -v k="$k" '$1 == k { print $2 }' "$FLOOR" | median)"
done < <(cut -f1 "$FLOOR" | awk '!seen[$0]++')
echo
echo "Highest connection rate: $best_rate conn/s untraced with $best_t client threads (${RATE_SECONDS} s)"
printf '  %-15s %8s %9s %8s %8s %7s %6s %7s\n' CONFIG CONNS CONN/S SERVER CLIENT OTHER LOST CPU_S
while IFS=$'\t' read -r cfg t conns rate s c o l cpu; do
  printf '  %-15s %8s %9s %8s %8s %7s %6s %7s\n' "$cfg" "$conns" "$rate" "$s" "$c" "$o" "$l" "$cpu"
done < "$RATE"
echo "(expected: SERVER = CONNS; CLIENT = CONNS unfiltered, 0 with -L; LOST 0)"
echo "Runs left out as failed: $FAILED; runs started on a busy machine (>15% CPU after 60 s of waiting): $NOISY"
echo "Load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
if [ -n "${BENCH_KEEP:-}" ]; then cp "$RES" "$FLOOR" "$RATE" "$BENCH_KEEP/"; fi
