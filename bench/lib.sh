# Helpers every bench/*/run.sh sources: they measure on a machine others use too.
#   quiet   waits (at most 60 s) until the machine is nearly idle (< 15% CPU over 0.5 s);
#           BUSY = the last sample's busy %, NOISY counts waits that ran out
#   median  the median of the numbers on stdin ("nan" for none)
#   run_bg  runs a command in the background as CUR (so a trap can end it), waits, returns its status
BUSY=0; NOISY=0
CUR=""
quiet() {
  local i a b busy=100
  for ((i = 0; i < 120; i++)); do
    a=$(awk '/^cpu / { print $2+$3+$4+$7+$8, $2+$3+$4+$5+$6+$7+$8 }' /proc/stat)
    sleep 0.5
    b=$(awk '/^cpu / { print $2+$3+$4+$7+$8, $2+$3+$4+$5+$6+$7+$8 }' /proc/stat)
    busy=$(awk -v a="$a" -v b="$b" 'BEGIN { split(a, x, " "); split(b, y, " "); d = y[2] - x[2]; printf "%d", (d > 0 ? 100 * (y[1] - x[1]) / d : 0) }')
    if [ "$busy" -lt 15 ]; then break; fi
  done
  [ "$busy" -lt 15 ] || NOISY=$((NOISY + 1))
  BUSY=$busy
}
median() { sort -g | awk '{a[NR]=$1} END { if (NR == 0) print "nan"; else if (NR % 2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2 }'; }
run_bg() { "$@" & CUR=$!; local rc=0; wait "$CUR" || rc=$?; CUR=""; return $rc; }
#   field NAME      the last NAME=value on stdin (a tracerun or workload log line)
field() { sed -n "s/.*\b$1=\([^ ]*\).*/\1/p" | tail -1; }
#   traced_run BENCH CFG ROUND -- WORKLOAD...   runs WORKLOAD with the tracer beside it ($TRACER,
#                   ready when $WORK/$WATCH has $PATTERN: the bench's tracer_of sets them) through
#                   $WORK/tracerun (tracer output in $WORK/out and $WORK/err, its log in $WORK/log);
#                   sets TRACED_CPU (the tracer's CPU seconds over the workload); a failed run is
#                   told on stderr, counted in FAILED, and returns 1
traced_run() {
  local bench=$1 cfg=$2 round=$3 log="$WORK/log"; shift 4
  if ! run_bg "$WORK/tracerun" "$WORK/out" "$WORK/err" "$WORK/$WATCH" "$PATTERN" -- "${TRACER[@]}" ::: "$@" > "$log" ||
     [ "$(field rc < "$log")" != 0 ] || [ "$(field work_rc < "$log")" != 0 ]; then
    echo "bench $bench: $cfg round $round failed (left out):" >&2; cat "$log" "$WORK/err" >&2
    FAILED=$((FAILED + 1)); return 1
  fi
  TRACED_CPU=$(awk -v a="$(field cpu_s < "$log")" -v b="$(field cpu_start_s < "$log")" 'BEGIN { printf "%.3f", a - b }')
}
#   prog_totals PID        "RUN_CNT RUN_TIME_NS MISSES" summed over every BPF program PID holds (with
#                          the kernel's BPF statistics on: bench/doctor/statson.c; MISSES, the runs the
#                          kernel skipped as recursive, is counted with the statistics off too)
#   wait_ready PID FILE PATTERN   waits (at most 30 s) until FILE has PATTERN or PID is gone; 0 if ready
prog_totals() {
  awk '$1 == "run_cnt:" { c += $2 } $1 == "run_time_ns:" { t += $2 } $1 == "recursion_misses:" { m += $2 }
    END { printf "%d %d %d\n", c, t, m }' \
    /proc/"$1"/fdinfo/* 2>/dev/null || true
}
wait_ready() {
  local i
  for ((i = 0; i < 600; i++)); do
    grep -q "$3" "$2" && return 0
    kill -0 "$1" 2>/dev/null || break
    sleep 0.05
  done
  grep -q "$3" "$2"
}
#   interleaved ROUNDS LABEL FN CFG...   ROUNDS rounds, each calling `FN CFG ROUND` for every CFG,
#                          the order rotated by one each round; "LABEL: round R done" on stderr
#   inner_traps            an inner script's traps: its running tracer (CUR) gets SIGINT on any exit
interleaved() {
  local rounds=$1 label=$2 fn=$3 r i
  shift 3
  local -a cfgs=("$@")
  for ((r = 1; r <= rounds; r++)); do
    for ((i = 0; i < ${#cfgs[@]}; i++)); do "$fn" "${cfgs[$(((i + r - 1) % ${#cfgs[@]}))]}" "$r"; done
    echo "$label: round $r done ($(date -u +%H:%M:%S))" >&2
  done
}
inner_traps() {
  CUR=""
  trap '[ -z "$CUR" ] || { kill -INT "$CUR" 2>/dev/null || true; wait "$CUR" 2>/dev/null || true; }' EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
}
#   netdx_snapshot TOOL... builds what ./netdx needs, copies dist/ to $WORK/netdx (others may rebuild
#                          the tree meanwhile) and checks that each TOOL runs from it
netdx_snapshot() {
  local root t
  root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
  "$root/netdx" --setup-only
  mkdir -p "$WORK/netdx"
  cp -r "$root/dist" "$root/package.json" "$WORK/netdx/"
  ln -s "$root/node_modules" "$WORK/netdx/node_modules"
  for t in "$@"; do
    node "$WORK/netdx/dist/netdx.cjs" "$t" -d 0.2 > /dev/null ||
      { echo "bench: netdx $t does not run (snapshot of dist/)" >&2; return 1; }
  done
}
#   prog_each PID          "PROG_ID RUN_CNT RUN_TIME_NS MISSES", a line for each BPF program PID holds
prog_each() {
  awk 'FNR == 1 { id = "" } $1 == "prog_id:" { id = $2 } $1 == "run_time_ns:" { t = $2 } $1 == "run_cnt:" { c = $2 }
    $1 == "recursion_misses:" && id != "" { printf "%s %d %d %d\n", id, c, t, $2; id = "" }' /proc/"$1"/fdinfo/* 2>/dev/null || true
}
#   stats_run CFG ROUND WORK...   with TRACER, WATCH (out or err) and PATTERN set: starts the tracer
#                          (output to $WORK/s.out, s.err), runs WORK once it is ready, and appends
#                          "CFG ROUND RUNS NS MISSES" (its programs' runs, run time and runs skipped
#                          by the kernel over WORK) to
#                          $WORK/stats.tsv; a tracer that never gets ready is left out, said on stderr.
#                          With STATS_BY_PROG set, also "CFG ROUND PROGRAM RUNS NS MISSES" for each
#                          of its programs (the name bpftool shows) to $WORK/stats-progs.tsv
stats_run() {
  local cfg=$1 round=$2 pid before after each="" id
  shift 2
  : > "$WORK/s.out"; : > "$WORK/s.err"
  "${TRACER[@]}" > "$WORK/s.out" 2> "$WORK/s.err" & pid=$!; CUR=$pid
  if ! wait_ready "$pid" "$WORK/s.$WATCH" "$PATTERN"; then
    echo "bench: stats $cfg round $round: tracer not ready (left out)" >&2; cat "$WORK/s.err" >&2
    kill -INT "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; CUR=""; return 0
  fi
  sleep 0.3
  [ -z "${STATS_BY_PROG:-}" ] || prog_each "$pid" > "$WORK/s.each0"
  before=$(prog_totals "$pid")
  "$@" > "$WORK/s.log"
  after=$(prog_totals "$pid")
  if [ -n "${STATS_BY_PROG:-}" ]; then
    prog_each "$pid" > "$WORK/s.each1"
    for id in $(cut -d' ' -f1 "$WORK/s.each1"); do  # names while the programs are loaded
      echo "$id $(bpftool prog show id "$id" 2>/dev/null | sed -n '1s/.* name \([^ ]*\).*/\1/p')"
    done > "$WORK/s.names"
    each=1
  fi
  kill -INT "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; CUR=""
  awk -v c="$cfg" -v r="$round" -v b="$before" -v a="$after" 'BEGIN {
    split(b, x, " "); split(a, y, " "); printf "%s\t%s\t%d\t%d\t%d\n", c, r, y[1] - x[1], y[2] - x[2], y[3] - x[3] }' >> "$WORK/stats.tsv"
  [ -z "$each" ] || awk -v c="$cfg" -v r="$round" 'FILENAME ~ /names$/ { n[$1] = ($2 == "" ? "id" $1 : $2); next }
    FILENAME ~ /each0$/ { c0[$1] = $2; t0[$1] = $3; m0[$1] = $4; next }
    { printf "%s\t%s\t%s\t%d\t%d\t%d\n", c, r, n[$1], $2 - c0[$1], $3 - t0[$1], $4 - m0[$1] }' \
    "$WORK/s.names" "$WORK/s.each0" "$WORK/s.each1" >> "$WORK/stats-progs.tsv"
}
