#!/usr/bin/env bash
# doctor benchmark: what one doctor window costs the host it judges. Side by side in one run,
# rounds interleaved (the order rotates every round), medians:
#   - a connection workload (bench/tcplife/workload.c: N sequential loopback connections, 2 KB
#     up / 4 KB down each; CONN_REPEAT runs of each configuration per round, it is the noisier)
#     and a bulk loopback stream (bulk.c: BULK_BYTES in 128 KiB sends, sender and receiver
#     pinned to BULK_CPUS), each untraced, under a doctor window (`doctor -d W`, output to
#     /dev/null; the workload starts once its probes are attached, so the window's start is in
#     it, and ends inside the window) and under two tracepoint floors (floor.bpf.c: empty
#     programs, same hook kinds): `floor`, the hooks the doctor attaches now, and `floor13`, the
#     13 the issue lists (the doctor's before 2026-11-30: softirq_entry/exit and two programs
#     each on sock_send_length/sock_recv_length too);
#   - an idle doctor window of IDLE_WINDOW s (no workload of ours): its CPU and peak RSS, the
#     figure to set beside an idle monitoring agent's.
# A waker (floor.c's 10 ms loop with nothing attached) runs through the whole benchmark: on this
# VM (cpuidle haltpoll) a process that merely wakes every 10 ms made the pinned bulk stream ~4%
# faster than on an otherwise idle machine, so each tracer, which wakes too, looked faster than no
# tracer at all; with the waker every configuration runs under the same idle states (WAKER=0:
# without it). It does not move the connection workload.
# Per doctor run: CPU (user+sys, spawn to exit, from wait4), CPU at attach and at the workload's
# end, peak RSS (ru_maxrss, its VmHWM), lifetime. Per workload run: wall time, the workload's own
# CPU time (which includes the BPF programs and softirq work run in its context), and the CPU
# others used meanwhile (docrun.c): a run during which others used more than OTHERS_MAX (5%) of
# the machine is run again, twice at most. COMPARE_DIST=DIR (a copy of another build's dist/)
# adds the same doctor configurations run from that build, interleaved with the others:
# before/after a change.
#
#   bench/doctor/run.sh    (env: ROUNDS=7 CONN_REPEAT=2 N=20000 BULK_BYTES=20000000000
#                           BULK_CPUS="0 1" WAKER=1 IDLE_WINDOW=10 CONN_WINDOW/BULK_WINDOW=<from the
#                           warm-up> PORT=<above the ephemeral range> OTHERS_MAX=0.05
#                           COMPARE_DIST= BENCH_KEEP=DIR)
#
# Loopback only; every loop is bounded; each run starts on a quiet machine (< 15% CPU, waited
# for at most 60 s); on any exit it ends only what it started.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
. "$ROOT/bench/lib.sh"   # quiet, median, run_bg
ROUNDS=${ROUNDS:-7}
CONN_REPEAT=${CONN_REPEAT:-2}
# Unpinned, the stream's two threads land on one CPU or on two by the scheduler's choice, and
# its time moved by 25% between runs; pinned to two CPUs it keeps both busy, so whatever CPU the
# doctor takes is taken from it.
if [ -z "${BULK_CPUS+x}" ]; then if [ "$(nproc)" -ge 2 ]; then BULK_CPUS="0 1"; else BULK_CPUS=""; fi; fi
N=${N:-20000}
BULK_BYTES=${BULK_BYTES:-20000000000}
IDLE_WINDOW=${IDLE_WINDOW:-10}
# Server ports above the ephemeral range (as bench/tcplife does: a port inside it may be held by
# a client socket in TIME-WAIT), 1,000 above tcplife's so the two benchmarks never share one.
read -r EPH_LO EPH_HI < /proc/sys/net/ipv4/ip_local_port_range
if [ -z "${PORT:-}" ]; then
  if [ "$EPH_HI" -le 64000 ]; then PORT=$((EPH_HI + 1001)); else PORT=$((EPH_LO - 1000)); fi
fi
export PATH="$PATH:/usr/sbin:/sbin"
unset NODE_EXTRA_CA_CERTS   # as the ./netdx launcher does

[ "$(id -u)" = 0 ] || { echo "bench doctor: needs root (BPF)" >&2; exit 2; }
command -v gcc >/dev/null || { echo "bench doctor: gcc not installed" >&2; exit 2; }
"$ROOT/netdx" --setup-only   # build once now (installs clang and libbpf-dev if missing)
command -v clang >/dev/null || { echo "bench doctor: clang not installed" >&2; exit 2; }

WORK=$(mktemp -d /tmp/netdx-bench-doctor.XXXXXX)
CUR=""  # the one child running now (docrun or a workload); docrun ends its own children
WAKER_PID=""
cleanup() {
  if [ -n "$CUR" ] && kill -0 "$CUR" 2>/dev/null; then kill -TERM "$CUR" 2>/dev/null || true; wait "$CUR" 2>/dev/null || true; fi
  if [ -n "$WAKER_PID" ]; then kill -TERM "$WAKER_PID" 2>/dev/null || true; wait "$WAKER_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

gcc -O2 -Wall -Wextra -pthread -o "$WORK/workload" "$ROOT/bench/tcplife/workload.c"
gcc -O2 -Wall -Wextra -pthread -o "$WORK/bulk" "$HERE/bulk.c"
gcc -O2 -Wall -Wextra -o "$WORK/docrun" "$HERE/docrun.c"
gcc -O2 -Wall -Wextra -o "$WORK/floor" "$HERE/floor.c" -lbpf
clang -O2 -g -target bpf -I"/usr/include/$(gcc -dumpmachine)" -c "$HERE/floor.bpf.c" -o "$WORK/floor.bpf.o"
W="$WORK/workload"; B="$WORK/bulk"; DR="$WORK/docrun"
# The runs call node on a snapshot of dist/: other people rebuild the tree while this runs.
snapshot() {  # dist-dir dest
  mkdir -p "$2"
  cp -r "$1" "$2/dist"
  cp "$ROOT/package.json" "$2/"
  ln -s "$ROOT/node_modules" "$2/node_modules"
}
snapshot "$ROOT/dist" "$WORK/netdx"
DOCTOR=(node "$WORK/netdx/dist/netdx.cjs" doctor)
DOCTOR0=()
if [ -n "${COMPARE_DIST:-}" ]; then
  snapshot "$COMPARE_DIST" "$WORK/netdx0"
  DOCTOR0=(node "$WORK/netdx0/dist/netdx.cjs" doctor)
fi
# The floors: empty programs on the doctor's hooks as it attaches them now (9: its classic
# tracepoints, one program each on sock_send_length/sock_recv_length, tcpconnect's
# inet_sock_set_state), and on the 13 the issue lists.
FLOOR=("$WORK/floor" "$WORK/floor.bpf.o" 900 floor_drop floor_retrans floor_rst_out floor_rst_in floor_accept4 floor_accept
  floor_send floor_recv floor_state)
FLOOR13=("$WORK/floor" "$WORK/floor.bpf.o" 900)

# ------------------------------------------------------------------ helpers
RERUN=0
# A run during which others used more than this share of the machine is run again (twice at most).
OTHERS_MAX=${OTHERS_MAX:-0.05}
BASE_PORT=$PORT; SEQ=0
next_port() { PORT=$((BASE_PORT + SEQ % 500)); SEQ=$((SEQ + 1)); }

# The doctor prints nothing when its probes are in: it is ready when it holds as many BPF links as
# a calibration run held at most (13 on this kernel).
calibrate_links() {  # doctor argv...
  local pid max=0 n i
  "$@" -d 2 > /dev/null 2>&1 & pid=$!; CUR=$pid
  for ((i = 0; i < 40; i++)); do
    n=$(find "/proc/$pid/fd" -lname 'anon_inode:bpf_link' 2>/dev/null | wc -l)
    [ "$n" -gt "$max" ] && max=$n
    sleep 0.05
  done
  wait "$pid" || true; CUR=""
  echo "$max"
}
LINKS=$(calibrate_links "${DOCTOR[@]}")
[ "$LINKS" -gt 0 ] || { echo "bench doctor: the doctor attached no BPF program (run it by hand to see why)" >&2; exit 1; }
LINKS0=0
[ ${#DOCTOR0[@]} -eq 0 ] || LINKS0=$(calibrate_links "${DOCTOR0[@]}")

RES="$WORK/results.tsv"   # cfg round wall_s attach_ms cpu_start_s cpu_s maxrss_kb life_s busy% cpu_work_s work_cpu_s others_s steal_s
: > "$RES"
FAILED=0
record() {  # cfg round log
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$(field wall_s < "$3")" "$(field attach_ms < "$3")" \
    "$(field cpu_start_s < "$3")" "$(field cpu_s < "$3")" "$(field maxrss_kb < "$3")" "$(field life_s < "$3")" "$BUSY" \
    "$(field cpu_work_s < "$3")" "$(field work_rusage_s < "$3")" "$(field others_s < "$3")" "$(field steal_s < "$3")" >> "$RES"
}
fail() {  # cfg round log why
  echo "bench doctor: $1 round $2 left out: $4" >&2; cat "$3" "$WORK/err" >&2 2>/dev/null || true
  FAILED=$((FAILED + 1))
}
workload_of() {  # conn|bulk -> argv in WL
  # shellcheck disable=SC2206
  if [ "$1" = conn ]; then WL=("$W" seq "$PORT" "$N"); else WL=("$B" "$PORT" "$BULK_BYTES" 131072 $BULK_CPUS); fi
}
# One measured run: cfg = WORKLOAD-TRACER, WORKLOAD conn|bulk|idle, TRACER base|doctor|doctor0|floor|floor13
run_cfg() {  # cfg round: one measured run, run again (at most twice) if others loaded the machine
  local try
  for ((try = 1; try <= 3; try++)); do
    run_try "$@" || return 0
    # others_s: CPU neither the workload, the tracer nor ksoftirqd used while the workload ran
    if awk -v o="$(field others_s < "$WORK/log")" -v w="$(field work_s < "$WORK/log")" -v n="$(nproc)" -v m="$OTHERS_MAX" \
      'BEGIN { exit !(o == "" || o <= m * n * w) }'; then break; fi
    if [ "$try" = 3 ]; then NOISY=$((NOISY + 1)); break; fi
    RERUN=$((RERUN + 1))
  done
  record "$1" "$2" "$WORK/log"
}
run_try() {  # cfg round: 0 measured (in $WORK/log), 1 failed (counted)
  local cfg=$1 round=$2 wl=${1%%-*} tr=${1#*-} log="$WORK/log" win
  next_port; workload_of "$wl"
  quiet
  if [ "$tr" = base ]; then
    run_bg "$DR" - - - - ::: "${WL[@]}" > "$log" 2>&1 && [ "$(field work_rc < "$log")" = 0 ] ||
      { fail "$cfg" "$round" "$log" "workload failed"; return 1; }
    return 0
  fi
  case $wl in conn) win=$CONN_WINDOW ;; bulk) win=$BULK_WINDOW ;; idle) win=$IDLE_WINDOW ;; esac
  local -a tracer ready end=(wait)
  case $tr in
    doctor)  tracer=("${DOCTOR[@]}" -d "$win"); ready=("links:$LINKS") ;;
    doctor0) tracer=("${DOCTOR0[@]}" -d "$win"); ready=("links:$LINKS0") ;;
    floor)   tracer=("${FLOOR[@]}"); ready=("err:programs attached"); end=(int) ;;
    floor13) tracer=("${FLOOR13[@]}"); ready=("err:programs attached"); end=(int) ;;
  esac
  local -a work=()
  [ "$wl" = idle ] || work=(::: "${WL[@]}")
  run_bg "$DR" /dev/null "$WORK/err" "${ready[0]}" "${end[0]}" -- "${tracer[@]}" "${work[@]}" > "$log" 2>&1 ||
    { fail "$cfg" "$round" "$log" "docrun failed"; return 1; }
  # the doctor exits 0, 3 or 4 (its findings); the floor 0
  case "$(field rc < "$log")" in 0|3|4) ;; *) fail "$cfg" "$round" "$log" "tracer exit status $(field rc < "$log")"; return 1 ;; esac
  [ "$(field work_rc < "$log")" = 0 ] || { fail "$cfg" "$round" "$log" "workload failed"; return 1; }
  [ "$(field covered < "$log")" = 1 ] || { fail "$cfg" "$round" "$log" "the window ended before the workload (raise ${wl^^}_WINDOW)"; return 1; }
  return 0
}

if [ "${WAKER:-1}" != 0 ]; then "$WORK/floor" - 36000 & WAKER_PID=$!; fi

# ------------------------------------------------------------------ warm-up: window lengths
echo "bench doctor: warm-up (not measured; sets the window lengths)" >&2
quiet; next_port; run_bg "$W" seq "$PORT" "$N" > "$WORK/log" 2>&1 || { cat "$WORK/log" >&2; exit 1; }
conn_warm=$(field wall_s < "$WORK/log")
quiet; next_port; workload_of bulk; run_bg "${WL[@]}" > "$WORK/log" 2>&1 || { cat "$WORK/log" >&2; exit 1; }
bulk_warm=$(field wall_s < "$WORK/log")
# A window long enough for a workload slowed down by half again, plus 3 s (a run it did not
# cover is left out and counted as failed).
CONN_WINDOW=${CONN_WINDOW:-$(awk -v w="$conn_warm" 'BEGIN { x = int(1.5 * w + 3.99); print (x < 5 ? 5 : x) }')}
BULK_WINDOW=${BULK_WINDOW:-$(awk -v w="$bulk_warm" 'BEGIN { x = int(1.5 * w + 3.99); print (x < 10 ? 10 : x) }')}
CONN_CONFIGS=(conn-base conn-doctor conn-floor conn-floor13)
OTHER_CONFIGS=(bulk-base bulk-doctor bulk-floor bulk-floor13 idle-doctor)
if [ ${#DOCTOR0[@]} -gt 0 ]; then CONN_CONFIGS+=(conn-doctor0); OTHER_CONFIGS+=(bulk-doctor0 idle-doctor0); fi
run_cfg conn-doctor 0; run_cfg bulk-floor 0
: > "$RES"; FAILED=0; RERUN=0; NOISY=0

echo "bench doctor: $ROUNDS rounds of ${CONN_CONFIGS[*]} (x$CONN_REPEAT) ${OTHER_CONFIGS[*]};" \
  "windows: conn ${CONN_WINDOW} s, bulk ${BULK_WINDOW} s, idle ${IDLE_WINDOW} s; doctor ready at $LINKS BPF links" >&2
for ((r = 1; r <= ROUNDS; r++)); do
  # the order rotates every round (and every repeat), so no configuration always follows another
  for ((k = 1; k <= CONN_REPEAT; k++)); do
    for ((i = 0; i < ${#CONN_CONFIGS[@]}; i++)); do
      run_cfg "${CONN_CONFIGS[$(((i + r + k - 2) % ${#CONN_CONFIGS[@]}))]}" "$r.$k"
    done
  done
  for ((i = 0; i < ${#OTHER_CONFIGS[@]}; i++)); do
    run_cfg "${OTHER_CONFIGS[$(((i + r - 1) % ${#OTHER_CONFIGS[@]}))]}" "$r"
  done
  echo "bench doctor: round $r done" >&2
done

# ------------------------------------------------------------------ report
col() { awk -F'\t' -v c="$1" -v k="$2" '$1 == c && $k != "" && $k != "-" { print $k }' "$RES"; }
med() { col "$1" "$2" | median; }
range() { col "$1" "$2" | sort -g | awk -v s="${3:-1}" -v f="${4:-%.3f}" 'NR == 1 { lo = $1 } { hi = $1 } END { if (NR) printf f "–" f, lo * s, hi * s; else printf "-" }'; }
count() { awk -F'\t' -v c="$1" '$1 == c' "$RES" | wc -l; }
pct() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "nan" || b == "nan" || b == 0) print "nan"; else printf "%+.1f%%", (a / b - 1) * 100 }'; }
# Added time of a traced run against the untraced run of the same round: median and spread.
paired() {  # cfg base -> "median (min..max)"
  awk -F'\t' -v c="$1" -v b="$2" '$1 == b { base[$2] = $3 } $1 == c { t[$2] = $3 }
    END { for (r in t) if (r in base) print (t[r] / base[r] - 1) * 100 }' "$RES" | sort -g |
    awk '{ a[NR] = $1 } END { if (!NR) { print "-"; exit } m = (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2; printf "%+.1f%% (%+.1f..%+.1f, %d pairs)", m, a[1], a[NR], NR }'
}
target_met() { awk -v x="$1" -v t="$2" 'BEGIN { x += 0; print (x <= t ? "met" : "MISSED") }'; }

echo
echo "doctor benchmark — $(date -u +%Y-%m-%d), $(uname -r), $(nproc) CPUs; $ROUNDS interleaved rounds, medians;"
echo "runs started on a quiet machine; doctor output to /dev/null; node on a snapshot of dist/."
echo "Workloads: conn = $N sequential loopback connections (2 KB up / 4 KB down, bench/tcplife/workload.c);"
echo "bulk = one loopback stream of $BULK_BYTES bytes (bench/doctor/bulk.c, 128 KiB sends, CPUs: ${BULK_CPUS:-not pinned})."
echo "conn runs: $CONN_REPEAT per configuration and round. Windows: doctor -d $CONN_WINDOW (conn), -d $BULK_WINDOW (bulk), -d $IDLE_WINDOW (idle)."
echo "floor = empty programs on the hooks the doctor attaches ($((${#FLOOR[@]} - 3))); floor13 = on the 13 the issue lists."
echo "A waker (a process waking every 10 ms, nothing attached) ran throughout: $([ -n "$WAKER_PID" ] && echo yes || echo no)."
echo
printf '%-14s %4s %8s %13s %8s %30s %8s %8s\n' CONFIG RUNS WALL_S 'RANGE_S' ADDED 'ADDED, PAIRED (min..max)' WORK_CPU CPU_ADDED
for wl in conn bulk; do
  base=$(med "$wl-base" 3)
  for tr in base doctor doctor0 floor floor13; do
    cfg=$wl-$tr
    [ "$(count "$cfg")" -gt 0 ] || continue
    w=$(med "$cfg" 3)
    if [ "$tr" = base ]; then a=-; p=-; ca=-; else a=$(pct "$w" "$base"); p=$(paired "$cfg" "$wl-base"); ca=$(pct "$(med "$cfg" 11)" "$(med "$wl-base" 11)"); fi
    printf '%-14s %4s %8.3f %13s %8s %30s %8.3f %8s\n' "$cfg" "$(count "$cfg")" "$w" "$(range "$cfg" 3)" "$a" "$p" "$(med "$cfg" 11)" "$ca"
  done
done
echo "(ADDED: median wall vs untraced; PAIRED: each run vs the untraced run of its round; WORK_CPU: the workload's own CPU s)"
conn_added=$(pct "$(med conn-doctor 3)" "$(med conn-base 3)")
bulk_added=$(pct "$(med bulk-doctor 3)" "$(med bulk-base 3)")
echo
echo "Targets: doctor's added wall time on conn $conn_added (<= 5%: $(target_met "${conn_added%\%}" 5)),"
echo "         on bulk $bulk_added (<= 2%: $(target_met "${bulk_added%\%}" 2))."
echo
echo "The doctor's own cost per window (CPU = user+sys of the doctor process, spawn to exit; % of a core = CPU / lifetime):"
printf '%-13s %5s %7s %9s %7s %10s %9s %8s %7s %8s %8s\n' CONFIG RUNS WINDOW ATTACH_MS CPU_S CPU_RANGE ATTACHED IN_WORK '%CORE' RSS_MB RSS_MAX
for cfg in conn-doctor bulk-doctor idle-doctor conn-doctor0 bulk-doctor0 idle-doctor0; do
  [ "$(count "$cfg")" -gt 0 ] || continue
  case ${cfg%%-*} in conn) win=$CONN_WINDOW ;; bulk) win=$BULK_WINDOW ;; idle) win=$IDLE_WINDOW ;; esac
  cpu=$(med "$cfg" 6)
  after=$(awk -F'\t' -v c="$cfg" '$1 == c { print $6 - $5 }' "$RES" | median)
  core=$(awk -F'\t' -v c="$cfg" '$1 == c && $8 > 0 { print 100 * $6 / $8 }' "$RES" | median)
  inwork=$(awk -F'\t' -v c="$cfg" '$1 == c && $10 >= 0 { print $10 - $5 }' "$RES" | median)
  [ "$inwork" != nan ] || inwork=-
  printf '%-13s %5s %6ss %9.1f %7.3f %10s %9.3f %8s %6.2f%% %8.1f %8.1f\n' "$cfg" "$(count "$cfg")" "$win" "$(med "$cfg" 4)" "$cpu" \
    "$(range "$cfg" 6 1 %.2f)" "$after" "$inwork" "$core" "$(awk -v k="$(med "$cfg" 7)" 'BEGIN { print k / 1024 }')" \
    "$(col "$cfg" 7 | sort -g | tail -1 | awk '{ print $1 / 1024 }')"
done
rss_max=$(col idle-doctor 7; col conn-doctor 7; col bulk-doctor 7)
rss_max=$(echo "$rss_max" | sort -g | tail -1 | awk '{ printf "%.1f", $1 / 1024 }')
echo "(ATTACHED: CPU s after the probes were attached; IN_WORK: of it, while the workload ran (from /proc, 10 ms ticks);"
echo " RSS_MB: median peak RSS (ru_maxrss = VmHWM), RSS_MAX: the highest)"
echo "Target: peak RSS < 100 MB: highest of every doctor run $rss_max MB ($(awk -v x="$rss_max" 'BEGIN { print (x < 100 ? "met" : "MISSED") }'))."
echo "For comparison (the issue): netdata uses ~1.5% of a core and 50-68 MiB when idle on such a VM."
echo "Runs left out as failed: $FAILED; run again because others used > $(awk -v m="$OTHERS_MAX" 'BEGIN { print m * 100 }')% of the machine meanwhile: $RERUN;"
echo "kept although still loaded by others after 3 tries (or started on a busy machine after 60 s of waiting): $NOISY"
echo "Load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
if [ -n "${BENCH_KEEP:-}" ]; then cp "$RES" "$BENCH_KEEP/doctor-results.tsv"; fi
