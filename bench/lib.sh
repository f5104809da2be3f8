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
