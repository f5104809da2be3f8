#!/usr/bin/env bash
# Per-packet tools benchmark: what netdx netsize, skbdrop, qdisclat and napi cost at a packet
# rate of 200,000/s and more, side by side with bpftrace doing the same work on the same
# tracepoints, and the floors (empty programs, one per-CPU increment, and a keyed hash count on
# those hooks), rounds interleaved, medians. skbdrop has two peers: skbdrop.bt counts by reason,
# location and protocol alone; skbdrop_same.bt also does what netdx does per drop (owner cache at
# send/receive, socket, namespace, headers, local port, owner).
#
#   bench/packets/run.sh    (env: ROUNDS=5 STATS_ROUNDS=3 COUNT=2000000 SIZE=64 TOOLS="netsize
#                            skbdrop qdisclat napi" QDISC="pfifo limit 10000")
#
# Workload: flood.c sends COUNT UDP datagrams of SIZE bytes with sendmmsg from namespace A over a
# veth (a pfifo qdisc on A's end, GRO on B's end so that B's veth receives through NAPI) to a
# socket in namespace B that never reads: every datagram is queued by the qdisc, sent, received
# by NAPI and dropped as SOCKET_RCVBUFF, so each tool's hooks fire once or twice per packet.
# Measured: the workload's wall time and what each tracer added; then, with the kernel's BPF
# statistics on (only for that phase: its clock adds ~30 ns to every run), each tracer's programs'
# runs and ns per run. Tracer output goes to files. The traffic stays in the two namespaces this
# makes; every loop is bounded; on any exit it ends only what it started and deletes its namespaces.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
. "$ROOT/bench/lib.sh"   # quiet, median, run_bg
ROUNDS=${ROUNDS:-5}
STATS_ROUNDS=${STATS_ROUNDS:-3}
COUNT=${COUNT:-2000000}
SIZE=${SIZE:-64}
read -r -a TOOLS <<< "${TOOLS:-netsize skbdrop qdisclat napi}"
# A's root qdisc: pfifo lets packets bypass it while it is empty (no enqueue or dequeue event);
# QDISC="tbf rate 10gbit burst 10mb latency 50ms" queues every packet without holding it back
# (qdisclat's two programs run for each; fq_codel is not in this kernel).
QDISC=${QDISC:-pfifo limit 10000}
PORT=9000
export PATH="$PATH:/usr/sbin:/sbin"
unset NODE_EXTRA_CA_CERTS   # as the ./netdx launcher does

hooks_of() {  # tool: the floor programs' hook names
  case $1 in netsize) echo "xmit rx" ;; skbdrop) echo drop ;; qdisclat) echo "enq deq" ;; napi) echo napi ;; esac
}
# The tracer of a configuration: TRACER (the command), WATCH (out or err), PATTERN (its ready line).
tracer_of() {  # cfg
  local cfg=$1 h progs=()
  case $cfg in
    empty_* | count_* | keyed_*) local kind=${cfg%%_*} rest=${cfg#*_} via=raw tool
      tool=${rest%_tp}; [ "$tool" = "$rest" ] || via=tp
      for h in $(hooks_of "$tool"); do progs+=("${kind}_${h}_$via"); done
      TRACER=("$WORK/floor" "$WORK/floor.bpf.o" 600 "${progs[@]}"); WATCH=err; PATTERN="programs attached" ;;
    netdx_*) TRACER=(node "$WORK/netdx/dist/netdx.cjs" "${cfg#netdx_}"); WATCH=err; PATTERN="Tracing" ;;
    bt_*) TRACER=(bpftrace "$HERE/${cfg#bt_}.bt"); WATCH=out; PATTERN="Tracing" ;;
    *) echo "bench packets: unknown configuration $cfg" >&2; exit 2 ;;
  esac
}
WORKLOAD() { echo ip netns exec "$NSA" "$WORK/flood" 198.18.0.2 "$PORT" "$COUNT" "$SIZE"; }

# ---- the stats phase, run by the outer script under statson (statistics on only for it) -------
stats_cfg() {  # cfg round: its programs' runs and run time over the workload (stats.tsv)
  tracer_of "$1"
  stats_run "$1" "$2" $(WORKLOAD)
}
if [ "${1:-}" = --stats-inner ]; then
  inner_traps
  read -r -a CONFIGS <<< "$STATS_CONFIGS"
  interleaved "$STATS_ROUNDS" "bench packets: stats" stats_cfg "${CONFIGS[@]}"
  exit 0
fi

[ "$(id -u)" = 0 ] || { echo "bench packets: needs root (BPF, namespaces)" >&2; exit 2; }
for c in bpftrace gcc clang ip tc ethtool; do
  command -v "$c" >/dev/null || { echo "bench packets: $c not installed" >&2; exit 2; }
done

WORK=$(mktemp -d /tmp/netdx-bench-packets.XXXXXX)
NSA=netdx-bpk-a-$$; NSB=netdx-bpk-b-$$
export WORK NSA NSB
CUR=""; SINK=""
cleanup() {
  if [ -n "$CUR" ] && kill -0 "$CUR" 2>/dev/null; then kill -TERM "$CUR" 2>/dev/null || true; wait "$CUR" 2>/dev/null || true; fi
  if [ -n "$SINK" ]; then kill "$SINK" 2>/dev/null || true; wait "$SINK" 2>/dev/null || true; fi
  ip netns del "$NSA" 2>/dev/null || true
  ip netns del "$NSB" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

gcc -O2 -Wall -Wextra -o "$WORK/flood" "$HERE/flood.c"
gcc -O2 -Wall -Wextra -o "$WORK/tracerun" "$ROOT/bench/tcplife/tracerun.c"
gcc -O2 -Wall -o "$WORK/statson" "$ROOT/bench/doctor/statson.c"
gcc -O2 -Wall -o "$WORK/floor" "$ROOT/bench/doctor/floor.c" -lbpf
clang -O2 -g -target bpf -I"/usr/include/$(gcc -dumpmachine)" -c "$ROOT/bench/toolbox/floor.bpf.c" -o "$WORK/floor.bpf.o"
netdx_snapshot "${TOOLS[@]}"

ip netns add "$NSA"; ip netns add "$NSB"
ip link add bpk-a type veth peer name bpk-b
ip link set bpk-a netns "$NSA"; ip link set bpk-b netns "$NSB"
ip -n "$NSA" addr add 198.18.0.1/24 dev bpk-a; ip -n "$NSB" addr add 198.18.0.2/24 dev bpk-b
for n in "$NSA" "$NSB"; do ip -n "$n" link set lo up; done
ip -n "$NSA" link set bpk-a up; ip -n "$NSB" link set bpk-b up
ip netns exec "$NSA" tc qdisc add dev bpk-a root $QDISC
ip netns exec "$NSB" ethtool -K bpk-b gro on > /dev/null   # veth then receives through NAPI
ip netns exec "$NSB" "$WORK/flood" sink "$PORT" 4096 7200 2> /dev/null & SINK=$!
sleep 0.3

RES="$WORK/results.tsv"   # cfg round wall_s cpu_s rate busy%
: > "$RES"
FAILED=0
run_cfg() {  # cfg round
  local cfg=$1 round=$2 log="$WORK/log"
  quiet
  if [ "$cfg" = base ]; then
    run_bg $(WORKLOAD) > "$log" || { echo "bench packets: workload failed: $(cat "$log")" >&2; FAILED=$((FAILED + 1)); return; }
    printf '%s\t%s\t%s\t-\t%s\t%s\n' "$cfg" "$round" "$(field wall_s < "$log")" "$(field rate < "$log")" "$BUSY" >> "$RES"
    return
  fi
  tracer_of "$cfg"
  traced_run packets "$cfg" "$round" -- $(WORKLOAD) || return
  local cpu=$TRACED_CPU
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$cfg" "$round" "$(field wall_s < "$log")" "$cpu" "$(field rate < "$log")" "$BUSY" >> "$RES"
}

CONFIGS=(base)
STATS=()
for t in "${TOOLS[@]}"; do
  CONFIGS+=("empty_$t" "count_$t" "netdx_$t" "empty_${t}_tp" "bt_$t")
  STATS+=("empty_$t" "count_$t" "keyed_$t" "netdx_$t" "empty_${t}_tp" "count_${t}_tp" "bt_$t")
  # skbdrop.bt counts by reason, location and protocol only; skbdrop_same.bt does netdx's work
  if [ "$t" = skbdrop ]; then CONFIGS+=(bt_skbdrop_same); STATS+=(bt_skbdrop_same); fi
done
echo "bench packets: warm-up (one run of each tracer, not measured)" >&2
for c in "${CONFIGS[@]:1}"; do run_cfg "$c" 0; done
: > "$RES"
echo "bench packets: $ROUNDS rounds of ${CONFIGS[*]}" >&2
interleaved "$ROUNDS" "bench packets" run_cfg "${CONFIGS[@]}"
: > "$WORK/stats.tsv"
echo "bench packets: BPF statistics phase: $STATS_ROUNDS rounds" >&2
STATS_CONFIGS="${STATS[*]}" STATS_ROUNDS=$STATS_ROUNDS COUNT=$COUNT SIZE=$SIZE PORT=$PORT \
  run_bg "$WORK/statson" bash "$0" --stats-inner

col() { awk -F'\t' -v c="$1" -v k="$2" '$1 == c && $k != "-" { print $k }' "$RES"; }
med() { col "$1" "$2" | median; }
smed() { awk -F'\t' -v c="$1" -v k="$2" '$1 == c && $3 > 0 { print (k == "ns" ? $4 / $3 : $3) }' "$WORK/stats.tsv" | median; }
base=$(med base 3)
echo
echo "packets benchmark — $(date -u +%Y-%m-%d), $(uname -r), $(nproc) CPUs; $ROUNDS interleaved rounds, medians;"
echo "workload: $COUNT UDP datagrams of $SIZE B over a veth (root qdisc: $QDISC; NAPI), dropped at the unread socket:"
echo "$(med base 5 | awk '{ printf "%.0f", $1 }') packets/s untraced ($(col base 5 | sort -g | head -1 | awk '{ printf "%.0f", $1 }') at the slowest run)."
echo "ADDED: wall time over the untraced run. NS/EVENT: the tracer's programs' run_time_ns/run_cnt with"
echo "the kernel's BPF statistics on ($STATS_ROUNDS further runs each; ~30 ns of it is the statistics clock);"
echo "RUNS/PKT: program runs per packet sent; xEMPTY/xCOUNT: NS/EVENT against the floor on the same hooks"
echo "(raw_tp for netdx, the classic tracepoint for bpftrace); xKEYED: against the keyed floor (a hash"
echo "lookup by PID and an atomic add on the same hooks, raw_tp), the least an aggregation by key costs."
printf '%-20s %7s %8s %7s %9s %9s %7s %7s %7s\n' CONFIG WALL_S ADDED CPU_S RUNS/PKT NS/EVENT xEMPTY xCOUNT xKEYED
for c in "${CONFIGS[@]}" $(for t in "${TOOLS[@]}"; do echo "count_${t}_tp keyed_$t"; done); do
  w=$(med "$c" 3)
  case $c in bt_*) t=${c#bt_}; t=${t%_same}; fe=empty_${t}_tp; fc=count_${t}_tp ;; *_tp) t=${c#*_}; t=${t%_tp}; fe=empty_${t}_tp; fc=count_${t}_tp ;;
    base) fe=; fc= ;; *) t=${c#*_}; fe=empty_$t; fc=count_$t ;; esac
  if [ "$c" = base ]; then printf '%-20s %7.3f %8s %7s %9s %9s %7s %7s %7s\n' base "$w" - - - - - - -; continue; fi
  awk -v c="$c" -v w="$w" -v b="$base" -v cpu="$(med "$c" 4)" -v runs="$(smed "$c" runs)" -v n="$COUNT" \
    -v ns="$(smed "$c" ns)" -v nse="$(smed "$fe" ns)" -v nsc="$(smed "$fc" ns)" -v nsk="$(smed "keyed_$t" ns)" 'BEGIN {
    added = (w == "nan" || w == "") ? "-" : sprintf("%+.1f%%", (w / b - 1) * 100)
    printf "%-20s %7s %8s %7s %9.2f %9.1f %7.2f %7.2f %7.2f\n", c, (w == "nan" || w == "") ? "-" : sprintf("%.3f", w), added,
      cpu == "nan" ? "-" : cpu, runs / n, ns, ns / nse, ns / nsc, ns / nsk }'
done
echo
for t in "${TOOLS[@]}"; do
  awk -v t="$t" -v a="$(med "netdx_$t" 3)" -v b="$(med "bt_$t" 3)" -v base="$base" -v na="$(smed "netdx_$t" ns)" -v nb="$(smed "bt_$t" ns)" \
    -v ra="$(smed "netdx_$t" runs)" -v rb="$(smed "bt_$t" runs)" 'BEGIN {
    printf "%s: netdx added / bpftrace added: %s; ns per packet (runs x ns) netdx / bpftrace: %.2f\n", t,
      (b - base > 0) ? sprintf("%.2f", (a - base) / (b - base)) : "n/a", (na * ra) / (nb * rb) }'
done
case " ${TOOLS[*]} " in *" skbdrop "*)
  awk -v a="$(med netdx_skbdrop 3)" -v b="$(med bt_skbdrop_same 3)" -v base="$base" -v na="$(smed netdx_skbdrop ns)" \
    -v ra="$(smed netdx_skbdrop runs)" -v nb="$(smed bt_skbdrop_same ns)" -v rb="$(smed bt_skbdrop_same runs)" 'BEGIN {
    printf "skbdrop against skbdrop_same.bt (the same work): netdx added / bpftrace added: %s; ns per packet netdx / bpftrace: %.2f\n",
      (b - base > 0) ? sprintf("%.2f", (a - base) / (b - base)) : "n/a", (na * ra) / (nb * rb) }' ;;
esac
if [ -n "${STATS_BY_PROG:-}" ] && [ -s "$WORK/stats-progs.tsv" ]; then
  echo "Each program of netdx's (STATS_BY_PROG; medians per run): runs per packet, ns per run, runs skipped"
  for t in "${TOOLS[@]}"; do
    for p in $(awk -F'\t' -v c="netdx_$t" '$1 == c { print $3 }' "$WORK/stats-progs.tsv" | sort -u); do
      awk -F'\t' -v c="netdx_$t" -v p="$p" '$1 == c && $3 == p { print $4, $5, $6 }' "$WORK/stats-progs.tsv" | sort -n |
        awk -v c="netdx_$t" -v p="$p" -v n="$COUNT" '{ r[NR] = $1; t[NR] = $2; m[NR] = $3 }
          END { i = int((NR + 1) / 2); if (r[i] > 0) printf "  %-16s %-18s %6.2f runs/pkt %7.1f ns/run %6d skipped\n", c, p, r[i] / n, t[i] / r[i], m[i] }'
    done
  done
fi
echo "Runs left out as failed: $FAILED; runs started on a busy machine (>15% CPU after 60 s of waiting): $NOISY"
echo "Load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
if [ -n "${BENCH_KEEP:-}" ]; then cp "$RES" "$BENCH_KEEP/packets-results.tsv"; cp "$WORK/stats.tsv" "$BENCH_KEEP/packets-stats.tsv"; cp "$WORK/stats-progs.tsv" "$BENCH_KEEP/packets-stats-progs.tsv" 2>/dev/null || true; fi
