// scaling's verdicts: a pure function over sampled data (rates per CPU, interface setup,
// steering sysctls, REUSEPORT groups) saying what is wrong, with evidence and the commands that
// fix it. Sampled data only, so the doctor and tests call it on any sample.
import { formatCpuMask, formatCpuList } from '../../core/proc/cpus.js';
import type { GlobalSteering, InterfaceScaling, QueueIrq } from './interfaces.js';
import type { CpuRates } from './rates.js';
import type { ReuseportGroup, ReuseportMember } from './reuseport.js';

export interface Verdict {
  id: 'rx-concentrated' | 'time-squeeze' | 'backlog-drops' | 'flow-limit' | 'rfs-half' | 'reuseport-imbalance';
  severity: 'warning' | 'notice';
  summary: string;
  evidence: string[];
  /** Commands for the user to run; netdx runs none of them. */
  fixes: string[];
}

export interface VerdictInput {
  interval_s: number;
  cpus: readonly CpuRates[];
  interfaces: readonly InterfaceScaling[];
  global: GlobalSteering;
  reuseport?: readonly ReuseportGroup[];
}

/** One CPU doing more than this share of the network work is called concentrated. */
export const CONCENTRATION_SHARE = 0.7;
/** Below these rates (per second, all CPUs) there is too little work to judge its spread. */
export const MIN_NET_RX_RATE = 100;
export const MIN_NIC_IRQ_RATE = 100;
/** A CPU under this busy share counts as idle enough to take work. */
export const IDLE_BUSY_PCT = 50;
const RFS_ENTRIES = 32768;

const pctStr = (x: number) => `${Math.round(x * 100)}%`;
const rate = (x: number) => (x >= 100 ? String(Math.round(x)) : x.toFixed(1));

function topShare(cpus: readonly CpuRates[], get: (c: CpuRates) => number): { cpu: CpuRates; share: number; total: number } | undefined {
  const total = cpus.reduce((s, c) => s + get(c), 0);
  if (total <= 0 || cpus.length < 2) return undefined;
  const top = cpus.reduce((m, c) => (get(c) > get(m) ? c : m));
  return { cpu: top, share: get(top) / total, total };
}

/** Fix commands that move receive work off `hot` for one interface, given its configuration. */
function spreadFixes(i: InterfaceScaling, hot: number, all: readonly number[], g: GlobalSteering): string[] {
  const fixes: string[] = [];
  const others = all.filter((c) => c !== hot);
  const queueIrqs = i.irqs.filter((q) => q.kind === 'rx' || q.kind === 'combined');
  const whereIrq = (q: QueueIrq) => q.effective ?? q.affinity ?? [];
  if (queueIrqs.length >= 2 && queueIrqs.every((q) => whereIrq(q).length === 1 && whereIrq(q)[0] === hot)) {
    queueIrqs.forEach((q, k) => fixes.push(`echo ${all[k % all.length]} > /proc/irq/${q.irq}/smp_affinity_list   # ${i.name} ${q.name}`));
  }
  if (i.device !== undefined && i.rx_queues < all.length && Math.max(i.irq_channels, i.rx_queues) < all.length) {
    fixes.push(`ethtool -L ${i.name} combined ${all.length}   # more RSS queues, if 'ethtool -l ${i.name}' allows`);
  }
  for (const q of i.rx) {
    if (q.rps_cpus !== undefined && q.rps_cpus.length === 0 && others.length > 0) {
      fixes.push(`echo ${formatCpuMask(others)} > /sys/class/net/${i.name}/queues/rx-${q.index}/rps_cpus`);
    }
  }
  if ((g.rps_sock_flow_entries ?? 0) === 0 && i.rx.length > 0) {
    fixes.push(`sysctl -w net.core.rps_sock_flow_entries=${RFS_ENTRIES}   # RFS: steer to the consuming CPU`);
    const per = Math.floor(RFS_ENTRIES / i.rx.length);
    for (const q of i.rx) fixes.push(`echo ${per} > /sys/class/net/${i.name}/queues/rx-${q.index}/rps_flow_cnt`);
  }
  return fixes;
}

/**
 * Pure: what is wrong with how network work spreads over CPUs, with evidence and the commands
 * that fix it. Takes sampled data only, so the doctor and tests call it on any sample.
 */
export function scalingVerdicts(inp: VerdictInput): Verdict[] {
  const out: Verdict[] = [];
  const cpus = inp.cpus;
  const all = cpus.map((c) => c.cpu);
  const secs = inp.interval_s;

  // 1. One CPU does most of the receive work (softirqs or NIC IRQs) while another has room.
  const rx = topShare(cpus, (c) => c.net_rx);
  const irq = topShare(cpus, (c) => c.nic_irqs);
  const rxHot = rx && rx.total >= MIN_NET_RX_RATE && rx.share > CONCENTRATION_SHARE ? rx : undefined;
  const irqHot = irq && irq.total >= MIN_NIC_IRQ_RATE && irq.share > CONCENTRATION_SHARE ? irq : undefined;
  const hot = rxHot?.cpu ?? irqHot?.cpu;
  if (hot) {
    const idle = cpus.filter((c) => c.cpu !== hot.cpu && (c.busy_pct === undefined || c.busy_pct < IDLE_BUSY_PCT));
    if (idle.length === 0) {
      // Spreading adds no capacity when every other CPU is busy; say so without fixes.
      out.push({
        id: 'rx-concentrated', severity: 'notice',
        summary: `CPU${hot.cpu} does most of the network receive work, but the other CPUs are busy too`,
        evidence: [
          ...(rxHot ? [`CPU${hot.cpu} ran ${pctStr(rxHot.share)} of NET_RX softirqs (${rate(hot.net_rx)}/s of ${rate(rxHot.total)}/s)`] : []),
          ...(irqHot ? [`CPU${irqHot.cpu.cpu} took ${pctStr(irqHot.share)} of NIC queue IRQs (${rate(irqHot.cpu.nic_irqs)}/s)`] : []),
          `no CPU under ${IDLE_BUSY_PCT}% busy: ${cpus.filter((c) => c.cpu !== hot.cpu).map((c) => `CPU${c.cpu} ${c.busy_pct}%`).join(', ')}`,
        ],
        fixes: [],
      });
    } else {
      const evidence: string[] = [];
      if (rxHot) evidence.push(`CPU${hot.cpu} ran ${pctStr(rxHot.share)} of NET_RX softirqs (${rate(hot.net_rx)}/s of ${rate(rxHot.total)}/s)`);
      if (irqHot && irqHot.cpu.cpu === hot.cpu) {
        evidence.push(`CPU${hot.cpu} took ${pctStr(irqHot.share)} of NIC queue IRQs (${rate(hot.nic_irqs)}/s of ${rate(irqHot.total)}/s)`);
      }
      if (hot.softirq_pct !== undefined) evidence.push(`CPU${hot.cpu} spent ${hot.softirq_pct}% of its time in softirq, ${hot.busy_pct ?? '?'}% busy`);
      evidence.push(`idle enough to help: ${idle.map((c) => `CPU${c.cpu}${c.busy_pct !== undefined ? ` (${c.busy_pct}% busy)` : ''}`).join(', ')}`);
      // The interfaces to fix: those whose IRQs fire on the hot CPU, else those receiving.
      const byIrq = inp.interfaces.filter((i) => i.irqs.some((q) => (q.rate ?? 0) > 0 && (q.effective ?? q.affinity ?? []).includes(hot.cpu)));
      const receiving = inp.interfaces.filter((i) => i.name !== 'lo' && (i.rx_pps ?? 0) > 0);
      const targets = byIrq.length ? byIrq : receiving;
      for (const i of targets) {
        // Queue IRQs grouped by the CPU they are delivered to: "CPU0 IRQ 40,41".
        const byCpu = new Map<string, number[]>();
        for (const q of i.irqs.filter((x) => x.kind !== 'other')) {
          const k = formatCpuList(q.effective ?? q.affinity ?? []) || '?';
          byCpu.set(k, [...(byCpu.get(k) ?? []), q.irq]);
        }
        const where = [...byCpu].map(([c, ns]) => `CPU${c} IRQ ${ns.join(',')}`);
        evidence.push(`${i.name}: ${i.rx_queues} rx queue(s), RPS ${i.rx.some((q) => (q.rps_cpus?.length ?? 0) > 0) ? 'on' : 'off'}${where.length ? `, queue IRQs on ${where.join('; ')}` : ''}`);
      }
      const fixes = targets.flatMap((i) => spreadFixes(i, hot.cpu, all, inp.global));
      out.push({
        id: 'rx-concentrated', severity: 'warning',
        summary: `CPU${hot.cpu} does most of the network receive work while other CPUs idle`,
        evidence, fixes: [...new Set(fixes)],
      });
    }
  }

  // 2. NAPI polls ran out of budget or time with packets left (time_squeeze).
  const squeezed = cpus.filter((c) => c.time_squeeze > 0);
  if (squeezed.length) {
    const g = inp.global;
    out.push({
      id: 'time-squeeze', severity: 'warning',
      summary: 'softirq packet processing ran out of budget (softnet time_squeeze grew)',
      evidence: [
        ...squeezed.map((c) => `CPU${c.cpu}: ${rate(c.time_squeeze)} squeezes/s, ${rate(c.processed)} packets/s processed`),
        `net.core.netdev_budget=${g.netdev_budget ?? '?'}, netdev_budget_usecs=${g.netdev_budget_usecs ?? '?'}`,
      ],
      fixes: [
        `sysctl -w net.core.netdev_budget=${(g.netdev_budget ?? 300) * 2}`,
        `sysctl -w net.core.netdev_budget_usecs=${(g.netdev_budget_usecs ?? 2000) * 2}`,
      ],
    });
  }

  // 3. The per-CPU backlog overflowed (netif_rx / RPS enqueue drops).
  const dropping = cpus.filter((c) => c.dropped > 0);
  if (dropping.length) {
    const mb = inp.global.netdev_max_backlog;
    out.push({
      id: 'backlog-drops', severity: 'warning',
      summary: 'packets were dropped because a CPU backlog queue was full (softnet dropped)',
      evidence: [
        ...dropping.map((c) => `CPU${c.cpu}: ${rate(c.dropped)} drops/s (${Math.round(c.dropped * secs)} in ${secs}s), backlog ${c.backlog ?? '?'}`),
        `net.core.netdev_max_backlog=${mb ?? '?'}`,
      ],
      fixes: [`sysctl -w net.core.netdev_max_backlog=${(mb ?? 1000) * 2}`],
    });
  }

  // 4. Flow limit dropped packets of large flows to keep small ones moving.
  const limited = cpus.filter((c) => (c.flow_limit_count ?? 0) > 0);
  if (limited.length) {
    out.push({
      id: 'flow-limit', severity: 'notice',
      summary: 'flow limit dropped packets of heavy flows at the backlog (softnet flow_limit_count grew)',
      evidence: [
        ...limited.map((c) => `CPU${c.cpu}: ${rate(c.flow_limit_count!)} flow-limited packets/s`),
        `net.core.flow_limit_table_len=${inp.global.flow_limit_table_len ?? '?'}`,
      ],
      fixes: [
        `sysctl -w net.core.flow_limit_table_len=${(inp.global.flow_limit_table_len ?? 4096) * 2}   # finer flow accounting`,
        `echo 0 > /proc/sys/net/core/flow_limit_cpu_bitmap   # or: stop flow limit on all CPUs`,
      ],
    });
  }

  // 5. RFS configured on one side only does nothing.
  const ent = inp.global.rps_sock_flow_entries;
  for (const i of inp.interfaces) {
    const withCnt = i.rx.filter((q) => (q.rps_flow_cnt ?? 0) > 0);
    if (ent !== undefined && ent > 0 && i.rx.length > 0 && withCnt.length === 0 && i.rx.some((q) => (q.rps_cpus?.length ?? 0) > 0)) {
      out.push({
        id: 'rfs-half', severity: 'notice',
        summary: `RFS is half set up on ${i.name}: rps_sock_flow_entries is set but no queue has rps_flow_cnt`,
        evidence: [`net.core.rps_sock_flow_entries=${ent}`, `${i.name}: rps_flow_cnt 0 on ${i.rx.length} rx queue(s)`],
        fixes: i.rx.map((q) => `echo ${Math.floor(ent / i.rx.length)} > /sys/class/net/${i.name}/queues/rx-${q.index}/rps_flow_cnt`),
      });
    } else if ((ent ?? 0) === 0 && withCnt.length > 0) {
      out.push({
        id: 'rfs-half', severity: 'notice',
        summary: `RFS is half set up on ${i.name}: rps_flow_cnt is set but rps_sock_flow_entries is 0`,
        evidence: [`net.core.rps_sock_flow_entries=${ent ?? '?'}`, ...withCnt.map((q) => `${i.name} rx-${q.index}: rps_flow_cnt ${q.rps_flow_cnt}`)],
        fixes: [`sysctl -w net.core.rps_sock_flow_entries=${RFS_ENTRIES}`],
      });
    }
  }

  // 6. A REUSEPORT member holds most waiting connections, or its accept queue is full.
  for (const g of inp.reuseport ?? []) {
    const total = g.members.reduce((s, m) => s + m.recv_q, 0);
    const full = g.members.filter((m) => m.send_q > 0 && m.recv_q >= m.send_q);
    const top = g.members.reduce((m, x) => (x.recv_q > m.recv_q ? x : m));
    const skewed = total >= 4 && top.recv_q / total > CONCENTRATION_SHARE;
    if (!full.length && !skewed) continue;
    const who = (m: ReuseportMember) => (m.pid !== undefined ? `pid ${m.pid} (${m.comm})` : `inode ${m.inode}`);
    out.push({
      id: 'reuseport-imbalance', severity: full.length ? 'warning' : 'notice',
      summary: `SO_REUSEPORT group ${g.laddr}:${g.lport}: ${full.length ? 'an accept queue is full' : 'one listener holds most waiting connections'}`,
      evidence: g.members.map((m) => `${who(m)}: ${m.recv_q}/${m.send_q} waiting/limit`),
      fixes: [
        'the listener with the long queue is not calling accept() fast enough: look at that process',
        'steer with a BPF program (SO_ATTACH_REUSEPORT_EBPF) or raise its backlog (listen(), net.core.somaxconn)',
      ],
    });
  }
  return out;
}
