#!/usr/bin/env bash
# tcpretrans benchmark: what netdx tcpretrans costs at the highest TCP retransmit rate this machine
# makes, side by side with bpftrace doing the same work on the same tracepoint (tcpretrans.bt here)
# and the floor (an empty program on tcp:tcp_retransmit_skb, through raw_tp as netdx attaches and
# the classic tracepoint as bpftrace does), rounds interleaved, medians.
#
#   bench/tcpretrans/run.sh             (env: ROUNDS=5 STATS_ROUNDS=3 BYTES=200000000 CONNS=32
#                                        DROP=3 RTO_MIN_US=1000 LIMIT=30 PORT=9300)
#   bench/tcpretrans/run.sh --explore   retransmits/s of the untraced workload for a grid of drop
#                                        shares, connection counts and bulk vs request/response
#                                        (env: REPS=3), to choose the defaults again
#
# Workload: lossy.c sends over CONNS TCP connections (bulk, one thread, epoll) from namespace A
# (198.18.0.1) to its server in namespace B (198.18.0.2) over a veth until BYTES in all are
# acknowledged, then resets them (a connection stuck in RTO backoff does not hold the run: with the
# connections each sending a fixed share, the last one ended up to 0.6 s after the others). An
# nftables rule in B drops one of every DROP data packets to PORT (numgen inc mod DROP): about 30%
# of the segments sent are retransmits, nearly all fast retransmits (SACK). TSO/GSO are off on A's
# end of the veth (one segment an skb: a tracepoint hit a segment; with them on, a few hundred
# retransmitted skbs of ~40 segments each), and A's tcp_rto_min_us is RTO_MIN_US (the few RTOs do
# not stall a connection for 200 ms). On this machine that was the highest steady rate (--explore);
# drop 1/2 stalls, request/response flows are bound by the timers (TLP, RTO): <10k/s. lossy prints
# the namespace's TcpRetransSegs delta, the oracle for the segments each tracer printed (of
# retransmits sent: err 0).
# Measured: the workload's wall time, what each tracer added (also as ns per retransmitted segment),
# the tracer's CPU, the segments each tracer reported against the oracle and what it said it lost;
# then, with the kernel's BPF statistics on (statson, only for that phase: the statistics clock adds
# ~30 ns to every run), each tracer's programs' runs, ns per run and runs the kernel skipped.
# netdx tcpretrans attaches more than the retransmit hook: timer:timer_expire_entry/exit (every
# timer of the machine; they tell RTOs and loss probes from fast retransmits) and the owner cache's
# programs (inet_sock_set_state, accept, every TCP send and receive): its figures are all of them.
# Tracer output goes to files. The traffic stays in the two namespaces this makes; every loop is
# bounded; on any exit it ends only what it started and deletes its namespaces (and the rule).
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
. "$ROOT/bench/lib.sh"   # quiet, median, run_bg, interleaved, inner_traps, stats_run, netdx_snapshot
ROUNDS=${ROUNDS:-5}
STATS_ROUNDS=${STATS_ROUNDS:-3}
BYTES=${BYTES:-200000000}
CONNS=${CONNS:-32}
DROP=${DROP:-3}
RTO_MIN_US=${RTO_MIN_US:-1000}
LIMIT=${LIMIT:-30}
PORT=${PORT:-9300}
export PATH="$PATH:/usr/sbin:/sbin"
unset NODE_EXTRA_CA_CERTS   # as the ./netdx launcher does

# The tracer of a configuration: TRACER (the command), WATCH (out or err), PATTERN (its ready line).
tracer_of() {  # cfg
  case $1 in
    floor_raw) TRACER=("$WORK/floor" "$WORK/floor.bpf.o" 600 empty_retrans_raw); WATCH=err; PATTERN="programs attached" ;;
    floor_tp) TRACER=("$WORK/floor" "$WORK/floor.bpf.o" 600 empty_retrans_tp); WATCH=err; PATTERN="programs attached" ;;
    netdx) TRACER=(node "$WORK/netdx/dist/netdx.cjs" tcpretrans); WATCH=err; PATTERN="Tracing" ;;
    bt) TRACER=(bpftrace "$HERE/tcpretrans.bt"); WATCH=out; PATTERN="Tracing" ;;
    *) echo "bench tcpretrans: unknown configuration $1" >&2; exit 2 ;;
  esac
}
WORKLOAD() { echo ip netns exec "$NSA" "$WORK/lossy" bulk 198.18.0.2 "$PORT" "$CONNS" "$BYTES" "$LIMIT"; }

# The segments of retransmits sent (err 0) to the workload's server that a tracer printed, and
# their count; both print ... RADDR RPORT STATE KIND|ERR SEGS (netdx marks a failed one KIND!).
seen_of() {  # file
  awk -v p="$PORT" 'NF >= 5 && $(NF-3) == p && $(NF-4) == "198.18.0.2" && $(NF-1) !~ /!$/ && $(NF-1) !~ /^-/ { s += $NF; n++ }
    END { printf "%d\t%d", s, n }' "$1"
}
# ---- the stats phase, run by the outer script under statson (statistics on only for it) -------
stats_cfg() {  # cfg round: its programs' runs, run time and misses (stats.tsv); the oracle and the
               # segments the tracer printed (stats-rtx.tsv)
  tracer_of "$1"
  stats_run "$1" "$2" $(WORKLOAD)
  local seen=-
  case $1 in netdx | bt) seen=$(seen_of "$WORK/s.out" | cut -f1) ;; esac
  printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$(field rtx_segs < "$WORK/s.log")" "$seen" >> "$WORK/stats-rtx.tsv"
}
if [ "${1:-}" = --stats-inner ]; then
  inner_traps
  STATS_BY_PROG=1   # stats_run: each program's figures too (stats-progs.tsv)
  read -r -a CONFIGS <<< "$STATS_CONFIGS"
  interleaved "$STATS_ROUNDS" "bench tcpretrans: stats" stats_cfg "${CONFIGS[@]}"
  exit 0
fi

[ "$(id -u)" = 0 ] || { echo "bench tcpretrans: needs root (BPF, namespaces)" >&2; exit 2; }
for c in bpftrace gcc clang ip nft ethtool node; do
  command -v "$c" >/dev/null || { echo "bench tcpretrans: $c not installed" >&2; exit 2; }
done

WORK=$(mktemp -d /tmp/netdx-bench-tcpretrans.XXXXXX)
NSA=netdx-brt-a-$$; NSB=netdx-brt-b-$$
export WORK NSA NSB PORT CONNS BYTES LIMIT
CUR=""; SRV=""
cleanup() {
  if [ -n "$CUR" ] && kill -0 "$CUR" 2>/dev/null; then kill -TERM "$CUR" 2>/dev/null || true; wait "$CUR" 2>/dev/null || true; fi
  if [ -n "$SRV" ]; then kill "$SRV" 2>/dev/null || true; wait "$SRV" 2>/dev/null || true; fi
  ip netns exec "$NSB" nft delete table inet netdx_brt 2>/dev/null || true
  ip netns del "$NSA" 2>/dev/null || true
  ip netns del "$NSB" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

gcc -O2 -Wall -Wextra -o "$WORK/lossy" "$HERE/lossy.c"
gcc -O2 -Wall -Wextra -o "$WORK/tracerun" "$ROOT/bench/tcplife/tracerun.c"
gcc -O2 -Wall -o "$WORK/statson" "$ROOT/bench/doctor/statson.c"
gcc -O2 -Wall -o "$WORK/floor" "$ROOT/bench/doctor/floor.c" -lbpf
clang -O2 -g -target bpf -I"/usr/include/$(gcc -dumpmachine)" -c "$ROOT/bench/toolbox/floor.bpf.c" -o "$WORK/floor.bpf.o"
[ "${1:-}" = --explore ] || netdx_snapshot tcpretrans

# Two namespaces, a veth made inside them (no name in the host's namespace), the server in B.
ip netns add "$NSA"; ip netns add "$NSB"
ip link add brt-a netns "$NSA" type veth peer name brt-b netns "$NSB"
ip -n "$NSA" addr add 198.18.0.1/24 dev brt-a; ip -n "$NSB" addr add 198.18.0.2/24 dev brt-b
for n in "$NSA" "$NSB"; do ip -n "$n" link set lo up; done
ip -n "$NSA" link set brt-a up; ip -n "$NSB" link set brt-b up
ip netns exec "$NSA" ethtool -K brt-a tso off gso off > /dev/null
ip netns exec "$NSA" sysctl -qw net.ipv4.tcp_rto_min_us="$RTO_MIN_US" 2> /dev/null ||
  echo "bench tcpretrans: no net.ipv4.tcp_rto_min_us here (kernel < 6.11): RTOs wait 200 ms" >&2
ip netns exec "$NSB" "$WORK/lossy" serve "$PORT" 7200 2> /dev/null & SRV=$!
rule() {  # N [SET]: drop data packets SET (default 0) of every N from A to PORT
  ip netns exec "$NSB" nft delete table inet netdx_brt 2> /dev/null || true
  ip netns exec "$NSB" nft -f - <<EOF
table inet netdx_brt {
  chain pre { type filter hook prerouting priority -300; policy accept;
    ip saddr 198.18.0.1 ip daddr 198.18.0.2 tcp dport $PORT ip length > 200 numgen inc mod $1 { ${2:-0} } counter drop
  }
}
EOF
}
rule "$DROP"
sleep 0.3

if [ "${1:-}" = --explore ]; then
  REPS=${REPS:-3}
  explore() {  # label LOSSY-ARGS...: REPS untraced runs; the median retransmitted segments/s
    local label=$1 i rates=() wall rtx rc
    shift
    for ((i = 0; i < REPS; i++)); do
      quiet
      rc=0; ip netns exec "$NSA" "$WORK/lossy" "$@" > "$WORK/log" 2> /dev/null || rc=$?
      wall=$(field wall_s < "$WORK/log"); rtx=$(field rtx_segs < "$WORK/log")
      rates+=("$(awk -v w="$wall" -v r="$rtx" -v rc="$rc" 'BEGIN { printf "%.0f%s", r / w, rc ? "(limit)" : "" }')")
    done
    printf '%-34s %8s /s   runs: %s\n' "$label" "$(printf '%s\n' "${rates[@]}" | sed 's/(limit)//' | median)" "${rates[*]}"
  }
  echo "tcpretrans workload grid — $(date -u +%Y-%m-%d), $(uname -r), $(nproc) CPUs; untraced, median of $REPS;"
  echo "retransmitted segments/s (TcpRetransSegs of namespace A / wall time); (limit): stopped at 10 s"
  for d in 2 3 4 5 10; do
    rule "$d"
    for c in 8 32; do explore "bulk, drop 1/$d, $c conns" bulk 198.18.0.2 "$PORT" "$c" "$BYTES" 10; done
  done
  rule 5 "0, 1"; explore "bulk, drop 2/5, 32 conns" bulk 198.18.0.2 "$PORT" 32 "$BYTES" 10
  rule 3; explore "rr 1448 B, drop 1/3, 256 conns" rr 198.18.0.2 "$PORT" 256 50000 1448 10
  rule 10 "0, 1, 5"; explore "rr 2896 B, drop 3/10, 256 conns" rr 198.18.0.2 "$PORT" 256 50000 2896 10
  exit 0
fi

# what a tracer said it lost: netdx "netdx tcpretrans: N retransmits lost (...)", bpftrace "Lost N events"
lost_of() {  # files
  { grep -hi "lost" "$@" || true; } | awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+$/) { s += $i; break } } END { print s + 0 }'
}

RES="$WORK/results.tsv"   # cfg round wall_s cpu_s seen_segs seen_events rtx_segs lost busy%
: > "$RES"
FAILED=0
run_cfg() {  # cfg round
  local cfg=$1 round=$2 log="$WORK/log"
  quiet
  if [ "$cfg" = base ]; then
    run_bg $(WORKLOAD) > "$log" || { echo "bench tcpretrans: workload failed: $(cat "$log")" >&2; FAILED=$((FAILED + 1)); return; }
    printf '%s\t%s\t%s\t-\t-\t-\t%s\t-\t%s\n' "$cfg" "$round" "$(field wall_s < "$log")" "$(field rtx_segs < "$log")" "$BUSY" >> "$RES"
    return
  fi
  tracer_of "$cfg"
  traced_run tcpretrans "$cfg" "$round" -- $(WORKLOAD) || return
  local cpu=$TRACED_CPU seen=$'-\t-' lost=-
  case $cfg in netdx | bt) seen=$(seen_of "$WORK/out"); lost=$(lost_of "$WORK/out" "$WORK/err") ;; esac
  [ "$lost" = - ] || [ "$lost" = 0 ] || { grep -hi lost "$WORK/out" "$WORK/err" | sed "s/^/bench tcpretrans: $cfg round $round: /" >&2 || true; }
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$cfg" "$round" "$(field wall_s < "$log")" "$cpu" "$seen" \
    "$(field rtx_segs < "$log")" "$lost" "$BUSY" >> "$RES"
}

# Timed: the floor through raw_tp only (an empty program's ~60 ns a retransmit is below the noise
# of the wall time either way); both floors in the statistics phase.
CONFIGS=(base floor_raw netdx bt)
STATS=(floor_raw floor_tp netdx bt)
echo "bench tcpretrans: warm-up (one run of netdx and bpftrace, not measured)" >&2
for c in netdx bt; do run_cfg "$c" 0; done
: > "$RES"
echo "bench tcpretrans: $ROUNDS rounds of ${CONFIGS[*]}" >&2
interleaved "$ROUNDS" "bench tcpretrans" run_cfg "${CONFIGS[@]}"
: > "$WORK/stats.tsv"; : > "$WORK/stats-rtx.tsv"; : > "$WORK/stats-progs.tsv"
echo "bench tcpretrans: BPF statistics phase: $STATS_ROUNDS rounds of ${STATS[*]}" >&2
STATS_CONFIGS="${STATS[*]}" STATS_ROUNDS=$STATS_ROUNDS run_bg "$WORK/statson" bash "$0" --stats-inner

col() { awk -F'\t' -v c="$1" -v k="$2" '$1 == c && $k != "-" { print $k }' "$RES"; }
med() { col "$1" "$2" | median; }
range() { col "$1" "$2" | sort -g | awk 'NR == 1 { lo = $1 } { hi = $1 } END { if (NR) printf "%.3f–%.3f", lo, hi; else printf "-" }'; }
# per stats run: runs, ns per run, runs per retransmitted segment, ns per retransmitted segment, misses
smed() {  # cfg runs|ns|runs_rtx|ns_rtx|misses|missing
  awk -F'\t' -v c="$1" -v k="$2" 'FNR == NR { rtx[$1, $2] = $3; seen[$1, $2] = $4; next }
    k == "missing" && $1 == c { if (seen[$1, $2] != "-") print rtx[$1, $2] - seen[$1, $2]; next }
    $1 == c && $3 > 0 && rtx[$1, $2] > 0 { r = rtx[$1, $2]
      print (k == "runs" ? $3 : k == "ns" ? $4 / $3 : k == "runs_rtx" ? $3 / r : k == "ns_rtx" ? $4 / r : $5) }' \
    "$WORK/stats-rtx.tsv" "$WORK/stats.tsv" | median
}
base=$(med base 3)
rtx=$(med base 7)
echo
echo "tcpretrans benchmark — $(date -u +%Y-%m-%d), $(uname -r), $(nproc) CPUs; $ROUNDS interleaved rounds, medians;"
echo "tracer output to files; unfiltered; each run started on a machine < 15% busy (after at most 60 s)."
echo "Workload: lossy.c bulk, $CONNS TCP connections from netns A to B over a veth until $BYTES B are acknowledged"
echo "(TSO/GSO off at A, tcp_rto_min_us $RTO_MIN_US), B dropping 1 of $DROP data packets: $rtx retransmitted segments a run"
echo "(TcpRetransSegs of A), $(awk -v b="$base" -v r="$rtx" 'BEGIN { printf "%.0f", r / b }')/s untraced (of the medians; per run: $(awk -F'\t' '$1 == "base" { printf "%s%.0f", n++ ? " " : "", $7 / $3 }' "$RES")/s)."
echo "ADDED: wall time over the untraced run; NS/RTX: that per retransmitted segment. SEEN: segments of"
echo "retransmits sent to the workload's port that the tracer printed, per run, against the run's"
echo "TcpRetransSegs (MISSING, min–max over the runs); LOST: what the tracer said it lost (all runs)."
printf '%-10s %4s %7s %13s %8s %7s %7s %9s %11s %6s\n' CONFIG RUNS WALL_S RANGE_S ADDED NS/RTX CPU_S SEEN MISSING LOST
for c in "${CONFIGS[@]}"; do
  w=$(med "$c" 3)
  if [ "$c" = base ]; then
    printf '%-10s %4d %7.3f %13s %8s %7s %7s %9s %11s %6s\n' base "$(col base 3 | wc -l)" "$w" "$(range base 3)" - - - - - -
    continue
  fi
  seen=$(med "$c" 5); [ "$seen" = nan ] && seen=-
  missing=$(awk -F'\t' -v c="$c" '$1 == c && $5 != "-" { print $7 - $5 }' "$RES" | sort -g |
    awk 'NR == 1 { lo = $1 } { hi = $1 } END { if (NR) print (lo == hi ? lo : lo "–" hi); else print "-" }')
  lost=$(col "$c" 8 | awk '{ s += $1; n++ } END { print n ? s : "-" }')
  awk -v c="$c" -v runs="$(col "$c" 3 | wc -l)" -v w="$w" -v b="$base" -v rg="$(range "$c" 3)" -v rtx="$rtx" \
    -v cpu="$(med "$c" 4)" -v seen="$seen" -v missing="$missing" -v lost="$lost" 'BEGIN {
    printf "%-10s %4d %7.3f %13s %+7.1f%% %7.0f %7.3f %9s %11s %6s\n", c, runs, w, rg, (w / b - 1) * 100,
      (w - b) * 1e9 / rtx, cpu, seen, missing, lost }'
done
awk -v a="$(med netdx 3)" -v b="$(med bt 3)" -v base="$base" 'BEGIN {
  if (b - base <= 0) printf "netdx added / bpftrace added: n/a"
  else printf "netdx added / bpftrace added: %.2f", (a - base) / (b - base) }'
# the same per round (each round's own base), median: steadier when the machine drifts
awk -F'\t' '{ w[$1, $2] = $3; if ($2 > n) n = $2 }
  END { for (r = 1; r <= n; r++) { b = w["base", r]; d = w["bt", r] - b
          if (b && d > 0 && w["netdx", r]) print (w["netdx", r] - b) / d } }' "$RES" |
  median | awk '{ printf "; per round, median: %.2f\n", $1 }'
echo
echo "With the kernel's BPF statistics on ($STATS_ROUNDS further runs each; ~30 ns of each run is the statistics"
echo "clock): the tracer's programs' runs per retransmitted segment, ns per run, ns per retransmitted segment,"
echo "the runs the kernel skipped (recursion_misses: a program already running on that CPU) and the"
echo "retransmitted segments the tracer did not print (TcpRetransSegs less SEEN), medians per run:"
for c in "${STATS[@]}"; do
  awk -v c="$c" -v rr="$(smed "$c" runs_rtx)" -v ns="$(smed "$c" ns)" -v nr="$(smed "$c" ns_rtx)" -v m="$(smed "$c" misses)" \
    -v g="$(smed "$c" missing)" 'BEGIN { printf "  %-10s %5.2f runs/rtx %7.1f ns/run %7.1f ns/rtx %6d skipped %6s missing\n",
      c, rr, ns, nr, m, g == "nan" ? "-" : g }'
done
echo "  (netdx: all its programs: tcp_retransmit_skb, timer_expire_entry/exit for every timer of the machine,"
echo "   and the owner cache's on inet_sock_set_state, accept and every TCP send and receive; other"
echo "   processes' timers and calls included). Each program (medians per run):"
pmed() {  # cfg program runs_rtx|ns|misses
  awk -F'\t' -v c="$1" -v p="$2" -v k="$3" 'FNR == NR { rtx[$1, $2] = $3; next }
    $1 == c && $3 == p && rtx[$1, $2] > 0 { print (k == "runs_rtx" ? $4 / rtx[$1, $2] : k == "ns" ? ($4 ? $5 / $4 : 0) : $6) }' \
    "$WORK/stats-rtx.tsv" "$WORK/stats-progs.tsv" | median
}
for c in netdx bt; do
  for p in $(awk -F'\t' -v c="$c" '$1 == c && !seen[$3]++ { print $3 }' "$WORK/stats-progs.tsv"); do
    awk -v c="$c" -v p="$p" -v rr="$(pmed "$c" "$p" runs_rtx)" -v ns="$(pmed "$c" "$p" ns)" -v m="$(pmed "$c" "$p" misses)" \
      'BEGIN { if (rr > 0) printf "    %-6s %-36s %6.2f runs/rtx %7.1f ns/run %7.1f ns/rtx %6d skipped\n", c, p, rr, ns, rr * ns, m }'
  done
done
awk -v a="$(smed netdx ns_rtx)" -v b="$(smed bt ns_rtx)" -v f="$(smed floor_raw ns_rtx)" -v g="$(smed floor_tp ns_rtx)" 'BEGIN {
  printf "ns per retransmit over the floor: netdx %.0f (raw_tp floor), bpftrace %.0f (tracepoint floor); netdx / bpftrace %.2f\n",
    a - f, b - g, (b - g > 0) ? (a - f) / (b - g) : 0 }'
echo "Runs left out as failed: $FAILED; runs started on a busy machine (>15% CPU after 60 s of waiting): $NOISY"
echo "Load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
if [ -n "${BENCH_KEEP:-}" ]; then
  cp "$RES" "$BENCH_KEEP/tcpretrans-results.tsv"; cp "$WORK/stats.tsv" "$BENCH_KEEP/tcpretrans-stats.tsv"
  cp "$WORK/stats-rtx.tsv" "$BENCH_KEEP/tcpretrans-stats-rtx.tsv"; cp "$WORK/stats-progs.tsv" "$BENCH_KEEP/tcpretrans-stats-progs.tsv"
fi
