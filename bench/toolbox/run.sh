#!/usr/bin/env bash
# Toolbox benchmark: what netdx's BPF tools cost, side by side with bpftrace doing the same work on
# the same tracepoints, rounds interleaved, medians.
#
#   bench/toolbox/run.sh     (env: PART=all|1|2 ROUNDS=5 STATS_ROUNDS=3 CALLS=2000000 N=20000
#                             PORT=<above the ephemeral range>)
#
# Part 1, the per-call tools (in-kernel aggregation on sock:sock_send_length/sock_recv_length):
#   netdx socketio, tcptop, socksize against socketio.bt, tcptop.bt, socksize.bt here, and the
#   floor (floor.bpf.c: an empty program and a per-CPU counter, through raw_tp as netdx attaches
#   and the classic tracepoint as bpftrace does), under sockio.c: CALLS socket calls on one
#   loopback TCP connection (~450k calls/s untraced). Measured: the workload's wall time and what
#   the tracer added, the tracer's CPU from attached to exit; then, in a second phase with the
#   kernel's BPF run-time statistics on (bench/doctor/statson.c, only for that phase: the stats
#   clock adds ~30 ns to every run and would skew the wall times), each tracer's programs' runs
#   and ns per run (run_time_ns/run_cnt from /proc/PID/fdinfo), before and after the workload.
# Part 2, the per-event tools (a ring buffer record per event): netdx tcpaccept and soconnect
#   against tcpaccept.bt and soconnect.bt here and the floor (empty programs on the same syscall
#   tracepoints: enabling one sends every syscall of the machine down the traced path), under
#   bench/tcplife/workload.c `seq PORT N`: wall time, added, netdx/bpftrace added, tracer CPU,
#   events reported for the workload's port; then their programs' ns per run (statistics on).
# Tracer output goes to files. Loopback only; every loop is bounded; on any exit it ends only
# what it started.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
. "$ROOT/bench/lib.sh"   # quiet, median, run_bg
PART=${PART:-all}
ROUNDS=${ROUNDS:-5}
STATS_ROUNDS=${STATS_ROUNDS:-3}
CALLS=${CALLS:-2000000}
N=${N:-20000}
# Server ports above the ephemeral range, 2,500 above tcplife's (tcpconnect's are 1,500 above).
read -r EPH_LO EPH_HI < /proc/sys/net/ipv4/ip_local_port_range
if [ -z "${PORT:-}" ]; then
  if [ "$EPH_HI" -le 62500 ]; then PORT=$((EPH_HI + 2501)); else PORT=$((EPH_LO - 2500)); fi
fi
export PATH="$PATH:/usr/sbin:/sbin"
unset NODE_EXTRA_CA_CERTS   # as the ./netdx launcher does

# The tracer of a configuration: sets TRACER (the command), WATCH (out or err) and PATTERN (its
# ready line). base* configurations have none.
tracer_of() {  # cfg
  local cfg=$1
  case $cfg in
    floor_accept) TRACER=("$WORK/floor" "$WORK/floor.bpf.o" 600 empty_accept_enter empty_accept_exit empty_accept4_enter empty_accept4_exit)
      WATCH=err; PATTERN="programs attached" ;;
    floor_connect) TRACER=("$WORK/floor" "$WORK/floor.bpf.o" 600 empty_connect_enter empty_connect_exit)
      WATCH=err; PATTERN="programs attached" ;;
    floor_*) local kind=${cfg#floor_} via=raw
      case $kind in *_tp) via=tp; kind=${kind%_tp} ;; esac
      TRACER=("$WORK/floor" "$WORK/floor.bpf.o" 600 "${kind}_send_$via" "${kind}_recv_$via")
      WATCH=err; PATTERN="programs attached" ;;
    netdx_*) TRACER=(node "$WORK/netdx/dist/netdx.cjs" "${cfg#netdx_}"); WATCH=err; PATTERN="Tracing" ;;
    bt_tcpaccept | bt_soconnect) TRACER=(bpftrace "$HERE/${cfg#bt_}.bt"); WATCH=out; PATTERN="PID     COMM" ;;
    bt_*) TRACER=(bpftrace "$HERE/${cfg#bt_}.bt"); WATCH=out; PATTERN="Tracing" ;;
    *) echo "bench toolbox: unknown configuration $cfg" >&2; exit 2 ;;
  esac
}

# ---- the stats phase, run by the outer script under statson (statistics on only for it) -------
stats_cfg() {  # cfg round: its programs' runs and run time over the part's workload (stats.tsv)
  local -a work=("$WORK/sockio" "$CALLS")
  if [ "$STATS_PART" = 2 ]; then SPORT=$((SPORT + 1)); work=("$WORK/workload" seq "$SPORT" "$N"); fi
  tracer_of "$1"
  stats_run "$1" "$2" "${work[@]}"
}
if [ "${1:-}" = --stats-inner ]; then
  inner_traps
  SPORT=$((PORT + 400))
  read -r -a CONFIGS <<< "$STATS_CONFIGS"
  interleaved "$STATS_ROUNDS" "bench toolbox: stats" stats_cfg "${CONFIGS[@]}"
  exit 0
fi

[ "$(id -u)" = 0 ] || { echo "bench toolbox: needs root (BPF)" >&2; exit 2; }
for c in bpftrace gcc clang; do
  command -v "$c" >/dev/null || { echo "bench toolbox: $c not installed" >&2; exit 2; }
done

WORK=$(mktemp -d /tmp/netdx-bench-toolbox.XXXXXX)
export WORK
CUR=""
cleanup() {
  if [ -n "$CUR" ] && kill -0 "$CUR" 2>/dev/null; then kill -TERM "$CUR" 2>/dev/null || true; wait "$CUR" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

gcc -O2 -Wall -Wextra -o "$WORK/sockio" "$HERE/sockio.c"
gcc -O2 -Wall -Wextra -pthread -o "$WORK/workload" "$ROOT/bench/tcplife/workload.c"
gcc -O2 -Wall -Wextra -o "$WORK/tracerun" "$ROOT/bench/tcplife/tracerun.c"
gcc -O2 -Wall -o "$WORK/statson" "$ROOT/bench/doctor/statson.c"
gcc -O2 -Wall -o "$WORK/floor" "$ROOT/bench/doctor/floor.c" -lbpf
clang -O2 -g -target bpf -I"/usr/include/$(gcc -dumpmachine)" -c "$HERE/floor.bpf.c" -o "$WORK/floor.bpf.o"
netdx_snapshot socketio tcptop socksize tcpaccept soconnect

# events a per-event tracer reported for the workload's port (and, for connects, that succeeded)
events_of() {  # cfg file
  case $1 in
    netdx_tcpaccept | bt_tcpaccept) awk -v p="$PORT" '$4 == p { n++ } END { print n+0 }' "$2" ;;
    netdx_soconnect) awk -v p="$PORT" '$6 == p && $9 == "OK" { n++ } END { print n+0 }' "$2" ;;
    bt_soconnect) awk -v p="$PORT" '$5 == p && $7 == "0" { n++ } END { print n+0 }' "$2" ;;
    *) echo - ;;
  esac
}

RES="$WORK/results.tsv"   # part cfg round wall_s cpu_s events lost-lines busy%
: > "$RES"
FAILED=0
BASE_PORT=$PORT; SEQ=0
next_port() { PORT=$((BASE_PORT + SEQ % 500)); SEQ=$((SEQ + 1)); }
run_cfg() {  # part cfg round
  local part=$1 cfg=$2 round=$3 out="$WORK/out" err="$WORK/err" log="$WORK/log"
  local -a work
  if [ "$part" = 1 ]; then work=("$WORK/sockio" "$CALLS"); else next_port; work=("$WORK/workload" seq "$PORT" "$N"); fi
  quiet
  if [[ $cfg == base* ]]; then
    run_bg "${work[@]}" > "$log" || { echo "bench toolbox: workload failed: $(cat "$log")" >&2; FAILED=$((FAILED + 1)); return; }
    printf '%s\t%s\t%s\t%s\t-\t-\t-\t%s\n' "$part" "$cfg" "$round" "$(field wall_s < "$log")" "$BUSY" >> "$RES"
    return
  fi
  tracer_of "$cfg"
  traced_run toolbox "$cfg" "$round" -- "${work[@]}" || return
  local cpu=$TRACED_CPU lost
  lost=$(grep -c -i "lost" "$err" || true)
  [ "$lost" = 0 ] || sed "s/^/bench toolbox: $cfg round $round: /" "$err" | grep -i lost >&2 || true
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$part" "$cfg" "$round" "$(field wall_s < "$log")" "$cpu" \
    "$(events_of "$cfg" "$out")" "$lost" "$BUSY" >> "$RES"
}
run_part_cfg() { run_cfg "$PART_NOW" "$1" "$2"; }
rounds() {  # part cfg...: a warm-up run of each tracer (not kept), then ROUNDS interleaved rounds
  local part=$1 r i; shift
  local -a cfgs=("$@")
  echo "bench toolbox: part $part warm-up (one run of each tracer, not measured)" >&2
  for c in "${cfgs[@]}"; do [[ $c == base* ]] || run_cfg "$part" "$c" 0; done
  awk -F'\t' -v p="$part" '$1 != p || $3 != 0' "$RES" > "$RES.tmp" && mv "$RES.tmp" "$RES"
  echo "bench toolbox: part $part: $ROUNDS rounds of ${cfgs[*]}" >&2
  PART_NOW=$part interleaved "$ROUNDS" "bench toolbox: part $part" run_part_cfg "${cfgs[@]}"
}

col() { awk -F'\t' -v p="$1" -v c="$2" -v k="$3" '$1 == p && $2 == c && $k != "-" { print $k }' "$RES"; }
med() { col "$1" "$2" "$3" | median; }
range() { col "$1" "$2" "$3" | sort -g | awk 'NR == 1 { lo = $1 } { hi = $1 } END { if (NR) printf "%.3f–%.3f", lo, hi; else printf "-" }'; }
smed() { awk -F'\t' -v c="$1" -v k="$2" '$1 == c && $3 > 0 { print (k == "ns" ? $4 / $3 : $3) }' "$WORK/stats.tsv" | median; }
NS_CONFIGS=(floor_empty floor_count floor_keyed floor_empty_tp floor_count_tp netdx_socketio bt_socketio netdx_tcptop bt_tcptop netdx_socksize bt_socksize)
P1_CONFIGS=(base "${NS_CONFIGS[@]}")
P2_CONFIGS=(base2 floor_accept netdx_tcpaccept bt_tcpaccept floor_connect netdx_soconnect bt_soconnect)

if [ "$PART" != 2 ]; then
  rounds 1 "${P1_CONFIGS[@]}"
fi
: > "$WORK/stats.tsv"
stats_phase() {  # part cfg...: STATS_ROUNDS interleaved rounds with the BPF statistics on
  local part=$1; shift
  echo "bench toolbox: part $part BPF statistics phase: $STATS_ROUNDS rounds" >&2
  STATS_PART=$part STATS_CONFIGS="$*" STATS_ROUNDS=$STATS_ROUNDS CALLS=$CALLS N=$N PORT=$PORT \
    run_bg "$WORK/statson" bash "$0" --stats-inner
}
if [ "$PART" != 2 ]; then stats_phase 1 "${NS_CONFIGS[@]}"; fi
if [ "$PART" != 1 ]; then rounds 2 "${P2_CONFIGS[@]}"; stats_phase 2 "${P2_CONFIGS[@]:1}"; fi

echo
echo "toolbox benchmark — $(date -u +%Y-%m-%d), $(uname -r), $(nproc) CPUs; $ROUNDS interleaved rounds, medians;"
echo "tracer output to files; unfiltered; each run started on a machine < 15% busy (after at most 60 s)."
if [ "$PART" != 2 ]; then
  base=$(med 1 base 4)
  echo
  echo "Part 1: per-call tools, workload sockio: $CALLS socket calls (64 B send/recv, one loopback TCP connection)"
  echo "NS/EVENT: the tracer's programs' run_time_ns/run_cnt with the kernel's BPF statistics on"
  echo "($STATS_ROUNDS further runs each; ~30 ns of it is the statistics clock); xEMPTY, xCOUNT: against the floor"
  echo "of the same attach type (raw_tp for netdx, tracepoint for bpftrace); xKEYED: against the keyed floor"
  echo "(floor_keyed: a hash lookup by PID and an atomic add, raw_tp), the least an aggregation by key costs."
  printf '%-16s %4s %7s %13s %8s %9s %7s %9s %8s %7s %7s %7s\n' CONFIG RUNS WALL_S RANGE_S ADDED ADD_NS/C CPU_S EVENTS/C NS/EVENT xEMPTY xCOUNT xKEYED
  for cfg in "${P1_CONFIGS[@]}"; do
    w=$(med 1 "$cfg" 4)
    if [ "$cfg" = base ]; then
      printf '%-16s %4s %7.3f %13s %8s %9s %7s %9s %8s %7s %7s %7s\n' "$cfg" "$(col 1 "$cfg" 4 | wc -l)" "$w" "$(range 1 "$cfg" 4)" - - - - - - - -
      continue
    fi
    case $cfg in bt_* | *_tp) fe=floor_empty_tp; fc=floor_count_tp ;; *) fe=floor_empty; fc=floor_count ;; esac
    ns=$(smed "$cfg" ns); nse=$(smed "$fe" ns); nsc=$(smed "$fc" ns); nsk=$(smed floor_keyed ns)
    awk -v cfg="$cfg" -v runs="$(col 1 "$cfg" 4 | wc -l)" -v w="$w" -v b="$base" -v rg="$(range 1 "$cfg" 4)" \
      -v cpu="$(med 1 "$cfg" 5)" -v ev="$(smed "$cfg" runs)" -v calls="$CALLS" -v ns="$ns" -v nse="$nse" -v nsc="$nsc" -v nsk="$nsk" 'BEGIN {
      printf "%-16s %4d %7.3f %13s %+7.1f%% %9.0f %7.3f %9.3f %8.1f %7.2f %7.2f %7.2f\n", cfg, runs, w, rg, (w / b - 1) * 100,
        (w - b) * 1e9 / calls, cpu, ev / calls, ns, ns / nse, ns / nsc, ns / nsk }'
  done
  echo "(ADD_NS/C: added wall time per workload call; EVENTS/C: program runs per workload call, other processes' calls included)"
fi
if [ "$PART" != 1 ]; then
  base=$(med 2 base2 4)
  echo
  echo "Part 2: per-event tools, workload bench/tcplife/workload.c seq: $N sequential loopback connections"
  printf '%-16s %4s %7s %13s %8s %7s %13s %5s\n' CONFIG RUNS WALL_S RANGE_S ADDED CPU_S EVENTS LOST
  for cfg in "${P2_CONFIGS[@]}"; do
    w=$(med 2 "$cfg" 4)
    ev=$(col 2 "$cfg" 6 | sort -g | awk 'NR == 1 { lo = $1 } { hi = $1 } END { if (NR) print (lo == hi ? lo : lo "-" hi); else print "-" }')
    awk -v cfg="$cfg" -v runs="$(col 2 "$cfg" 4 | wc -l)" -v w="$w" -v b="$base" -v rg="$(range 2 "$cfg" 4)" \
      -v cpu="$(med 2 "$cfg" 5)" -v ev="$ev" -v lost="$(col 2 "$cfg" 7 | awk '{ s += $1 } END { print s+0 }')" 'BEGIN {
      if (cfg == "base2") printf "%-16s %4d %7.3f %13s %8s %7s %13s %5s\n", cfg, runs, w, rg, "-", "-", "-", "-"
      else printf "%-16s %4d %7.3f %13s %+7.1f%% %7s %13s %5s\n", cfg, runs, w, rg, (w / b - 1) * 100, cpu, ev, lost }'
  done
  for t in tcpaccept soconnect; do
    awk -v t="$t" -v a="$(med 2 "netdx_$t" 4)" -v b="$(med 2 "bt_$t" 4)" -v base="$base" 'BEGIN {
      if (b - base <= 0) printf "%s: netdx added / bpftrace added: n/a", t
      else printf "%s: netdx added / bpftrace added: %.2f", t, (a - base) / (b - base) }'
    # the same per round (each round's own base), median: steadier when the machine drifts
    awk -F'\t' -v t="$t" '$1 == 2 { w[$2, $3] = $4; if ($3 > n) n = $3 }
      END { for (r = 1; r <= n; r++) { b = w["base2", r]; d = w["bt_" t, r] - b
              if (b && d > 0 && w["netdx_" t, r]) print (w["netdx_" t, r] - b) / d } }' "$RES" |
      median | awk '{ printf "; per round, median: %.2f\n", $1 }'
  done
  echo "With the kernel's BPF statistics on ($STATS_ROUNDS further runs each): the tracer's programs' runs per"
  echo "connection (entry and exit of each call; other processes' calls included) and ns per run (floor: empty programs):"
  for cfg in "${P2_CONFIGS[@]:1}"; do
    awk -v cfg="$cfg" -v r="$(smed "$cfg" runs)" -v ns="$(smed "$cfg" ns)" -v n="$N" \
      'BEGIN { printf "  %-16s %6.2f runs/conn %7.1f ns/run %7.1f ns/conn\n", cfg, r / n, ns, r * ns / n }'
  done
  echo "(EVENTS: per run, min-max, for the workload's port (soconnect: successful); expected $N. LOST: tracer lines saying lost, all runs)"
fi
echo "Runs left out as failed: $FAILED; runs started on a busy machine (>15% CPU after 60 s of waiting): $NOISY"
echo "Load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
if [ -n "${BENCH_KEEP:-}" ]; then cp "$RES" "$BENCH_KEEP/toolbox-results.tsv"; cp "$WORK/stats.tsv" "$BENCH_KEEP/toolbox-stats.tsv" 2>/dev/null || true; fi
