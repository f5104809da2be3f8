// /proc/stat per-CPU time lines ("cpu0 user nice system idle iowait irq softirq steal guest
// guest_nice", in USER_HZ ticks). guest time is already inside user, so it is not added again.

export interface CpuTimes {
  /** CPU number; -1 for the aggregate "cpu" line. */
  cpu: number;
  user: number; nice: number; system: number; idle: number; iowait: number;
  irq: number; softirq: number; steal: number; guest: number; guest_nice: number;
  /** Sum of all states except guest/guest_nice (counted within user/nice). */
  total: number;
}

export function parseProcStat(text: string): CpuTimes[] {
  const out: CpuTimes[] = [];
  for (const row of text.split('\n')) {
    const m = /^cpu(\d*)\s+(.*)$/.exec(row);
    if (!m) continue;
    const v = m[2]!.trim().split(/\s+/).map(Number);
    const f = (i: number) => (Number.isFinite(v[i]) ? v[i]! : 0);
    const t: CpuTimes = {
      cpu: m[1] === '' ? -1 : Number(m[1]),
      user: f(0), nice: f(1), system: f(2), idle: f(3), iowait: f(4), irq: f(5), softirq: f(6),
      steal: f(7), guest: f(8), guest_nice: f(9), total: 0,
    };
    t.total = t.user + t.nice + t.system + t.idle + t.iowait + t.irq + t.softirq + t.steal;
    out.push(t);
  }
  return out;
}
