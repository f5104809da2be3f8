#!/usr/bin/env bash
# Toolbox sweep: the cost of every BPF tool of netdx under one workload, with the kernel's BPF
# run-time statistics on, so each docs page can state its tool's measured cost (run.sh and
# bench/packets/run.sh compare the heavy ones with bpftrace in detail).
#
#   bench/toolbox/sweep.sh [TOOL...]   (env: ROUNDS=3 N=3000 CALLS=200000; default: every tool
#                                      `netdx list` says runs here)
#
# Workload, per run: bench/tcplife/workload.c seq PORT N (N sequential loopback TCP sessions, 2 KB
# up and 4 KB down each: connects, accepts, state changes, segments, closes), then sockio.c CALLS
# (socket send/recv calls on one loopback connection). Each tool runs unfiltered with its default
# options, output to a file. Reported per tool (medians over ROUNDS, tools interleaved): its
# programs' runs per TCP session (everything the machine did meanwhile included), ns per run
# (run_time_ns/run_cnt; the statistics clock adds ~30 ns to each), the product per session, the
# tool's own CPU from attached to exit, and the workload's wall time over the untraced runs (with
# the statistics on for all runs alike). Loopback only; every loop is bounded; on any exit it ends
# only what it started.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
. "$ROOT/bench/lib.sh"   # quiet, median, run_bg, prog_totals, wait_ready
ROUNDS=${ROUNDS:-3}
N=${N:-3000}
CALLS=${CALLS:-200000}
read -r EPH_LO EPH_HI < /proc/sys/net/ipv4/ip_local_port_range
if [ "$EPH_HI" -le 62000 ]; then BASE_PORT=$((EPH_HI + 3001)); else BASE_PORT=$((EPH_LO - 3000)); fi
export PATH="$PATH:/usr/sbin:/sbin"
unset NODE_EXTRA_CA_CERTS   # as the ./netdx launcher does

if [ "${1:-}" = --inner ]; then
  shift
  TOOLS=("$@")
  inner_traps
  SEQ=0
  workload() {  # prints "wall_s"
    local port=$((BASE_PORT + SEQ % 400)) a b
    SEQ=$((SEQ + 1))
    a=$("$WORK/workload" seq "$port" "$N" | sed -n 's/.*wall_s=\([^ ]*\).*/\1/p')
    b=$("$WORK/sockio" "$CALLS" | sed -n 's/.*wall_s=\([^ ]*\).*/\1/p')
    awk -v a="$a" -v b="$b" 'BEGIN { printf "%.4f", a + b }'
  }
  one() {  # tool round: appends "tool round wall_s runs ns cpu_s" to $WORK/sweep.tsv
    local t=$1 r=$2 pid before after wall cpu0 cpu1
    quiet
    if [ "$t" = base ]; then printf 'base\t%s\t%s\t0\t0\t0\n' "$r" "$(workload)" >> "$WORK/sweep.tsv"; return; fi
    : > "$WORK/out"; : > "$WORK/err"
    node "$WORK/netdx/dist/netdx.cjs" "$t" > "$WORK/out" 2> "$WORK/err" & pid=$!; CUR=$pid
    if ! wait_ready "$pid" "$WORK/err" Tracing; then
      echo "bench sweep: $t round $r: not ready (left out): $(head -c 300 "$WORK/err")" >&2
      kill -INT "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; CUR=""; return
    fi
    sleep 0.3
    cpu0=$(awk '{ print $14 + $15 }' /proc/"$pid"/stat)
    before=$(prog_totals "$pid")
    wall=$(workload)
    after=$(prog_totals "$pid")
    cpu1=$(awk '{ print $14 + $15 }' /proc/"$pid"/stat)
    kill -INT "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; CUR=""
    if grep -qi lost "$WORK/err"; then echo "bench sweep: $t round $r: $(grep -i lost "$WORK/err" | head -2)" >&2; fi
    awk -v t="$t" -v r="$r" -v w="$wall" -v b="$before" -v a="$after" -v c0="$cpu0" -v c1="$cpu1" -v hz="$(getconf CLK_TCK)" 'BEGIN {
      split(b, x, " "); split(a, y, " "); printf "%s\t%s\t%s\t%d\t%d\t%.2f\n", t, r, w, y[1] - x[1], y[2] - x[2], (c1 - c0) / hz }' >> "$WORK/sweep.tsv"
  }
  ALL=(base "${TOOLS[@]}")
  interleaved "$ROUNDS" "bench sweep" one "${ALL[@]}"
  echo "bench sweep: runs started on a busy machine (>15% CPU after 60 s of waiting): $NOISY" >&2
  exit 0
fi

[ "$(id -u)" = 0 ] || { echo "bench sweep: needs root (BPF)" >&2; exit 2; }
command -v gcc >/dev/null || { echo "bench sweep: gcc not installed" >&2; exit 2; }
WORK=$(mktemp -d /tmp/netdx-bench-sweep.XXXXXX)
export WORK
CUR=""
trap '[ -z "$CUR" ] || { kill -TERM "$CUR" 2>/dev/null || true; wait "$CUR" 2>/dev/null || true; }; rm -rf "$WORK"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
gcc -O2 -Wall -Wextra -o "$WORK/sockio" "$HERE/sockio.c"
gcc -O2 -Wall -Wextra -pthread -o "$WORK/workload" "$ROOT/bench/tcplife/workload.c"
gcc -O2 -Wall -o "$WORK/statson" "$ROOT/bench/doctor/statson.c"
netdx_snapshot
if [ $# -gt 0 ]; then TOOLS=("$@"); else
  mapfile -t TOOLS < <(node "$WORK/netdx/dist/netdx.cjs" list --json |
    node -e 'const d = JSON.parse(require("fs").readFileSync(0, "utf8")); for (const t of d.tools) if (t.hooks.length && t.runnable) console.log(t.name)')
fi
: > "$WORK/sweep.tsv"
echo "bench sweep: ${#TOOLS[@]} tools, $ROUNDS rounds" >&2
ROUNDS=$ROUNDS N=$N CALLS=$CALLS BASE_PORT=$BASE_PORT run_bg "$WORK/statson" bash "$0" --inner "${TOOLS[@]}"

col() { awk -F'\t' -v t="$1" -v k="$2" '$1 == t { print $k }' "$WORK/sweep.tsv"; }
med() { col "$1" "$2" | median; }
base=$(med base 3)
echo
echo "toolbox sweep — $(date -u +%Y-%m-%d), $(uname -r), $(nproc) CPUs; $ROUNDS rounds, medians; BPF statistics on."
echo "Workload per run: $N sequential loopback TCP sessions (2 KB up, 4 KB down), then $CALLS socket"
echo "calls on one loopback connection: $(printf '%.2f' "$base") s untraced. RUNS/SESS: the tool's program runs per TCP"
echo "session (the machine's other activity included); NS/RUN: run_time_ns/run_cnt (~30 ns of it is the"
echo "statistics clock); NS/SESS: their product; CPU_S: the tool's process from attached to exit."
printf '%-12s %9s %7s %9s %6s %8s\n' TOOL RUNS/SESS NS/RUN NS/SESS CPU_S ADDED
for t in "${TOOLS[@]}"; do
  [ -n "$(col "$t" 3)" ] || { printf '%-12s %s\n' "$t" "(no run)"; continue; }
  awk -v t="$t" -v w="$(med "$t" 3)" -v b="$base" -v runs="$(med "$t" 4)" -v ns="$(col "$t" 5 | paste - <(col "$t" 4) | awk '$2 > 0 { print $1 / $2 }' | median)" \
    -v cpu="$(med "$t" 6)" -v n="$N" 'BEGIN {
    printf "%-12s %9.2f %7.1f %9.0f %6.2f %+7.1f%%\n", t, runs / n, ns, runs / n * ns, cpu, (w / b - 1) * 100 }'
done
if [ -n "${BENCH_KEEP:-}" ]; then cp "$WORK/sweep.tsv" "$BENCH_KEEP/sweep.tsv"; fi
