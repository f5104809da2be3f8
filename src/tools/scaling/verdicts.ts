// scaling's verdicts: a pure function over sampled data (rates per CPU, interface setup,
// steering sysctls, REUSEPORT groups) saying what is wrong, as the project's Findings (the
// doctor's vocabulary: id, layer, evidence by name, proof for a person, why, fix). Sampled data
// only, so the doctor and tests call it on any sample.
import type { Culprit, Finding } from '../../core/finding.js';
import { formatCpuMask, formatCpuList } from '../../core/proc/cpus.js';
import type { GlobalSteering, InterfaceScaling, QueueIrq } from './interfaces.js';
import type { CpuRates } from './rates.js';
import type { ReuseportGroup, ReuseportMember } from './reuseport.js';

/** The ids of scaling's findings (docs/tools/scaling.md says when each is given). */
export type ScalingFindingId = 'softirq.imbalance' | 'softnet.squeeze' | 'softnet.backlog_drops' | 'softnet.flow_limit'
  | 'config.rfs_half' | 'reuseport.imbalance';

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
/**
 * The receive work must matter on the hot CPU before its concentration is a finding: this share
 * of the CPU in softirq, or drops or squeezes there. 200 packets/s on a CPU 4% busy is one CPU
 * doing most of very little.
 */
export const MIN_HOT_SOFTIRQ_PCT = 20;
const RFS_ENTRIES = 32768;

const pctStr = (x: number) => `${Math.round(x * 100)}%`;
const rate = (x: number) => (x >= 100 ? String(Math.round(x)) : x.toFixed(1));
/** Shares to 3 decimals and sums of rates to 1, as evidence: no float noise (9600.1, not 9600.099999999999). */
const r3 = (x: number) => Math.round(x * 1000) / 1000;
const r1 = (x: number) => Math.round(x * 10) / 10;
const sum = (cpus: readonly CpuRates[], get: (c: CpuRates) => number) => r1(cpus.reduce((s, c) => s + get(c), 0));

/** A Finding with its fields in the documented order; evidence and culprit lose undefined values. */
function finding(id: ScalingFindingId, severity: 'warning' | 'notice', layer: 'cpu' | 'config' | 'socket', title: string,
  culprit: Culprit | undefined, evidence: Record<string, number | string | undefined>, proof: string[], why: string,
  fix: string[]): Finding {
  const defined = <T extends object>(o: T) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
  const c = culprit && defined(culprit);
  return {
    id, severity, layer, title, ...(c && Object.keys(c).length ? { culprit: c } : {}),
    evidence: defined(evidence) as Record<string, number | string>, proof, why, fix,
  };
}

/** The one CPU of a list, for a culprit: a finding about several CPUs names none. */
const onlyCpu = (cpus: readonly CpuRates[]) => (cpus.length === 1 ? cpus[0]!.cpu : undefined);

const WHY_SPREAD = 'Receive work runs on the CPU that takes the queue\'s IRQ (RSS spreads flows over queues, '
  + 'each with its own IRQ) or where RPS/RFS steer it: when there is one queue or all queue IRQs land on one '
  + 'CPU, and RPS is off, that CPU runs every NAPI poll and caps throughput';

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
 * that fix it, as Findings. Takes sampled data only, so the doctor and tests call it on any sample.
 */
export function scalingVerdicts(inp: VerdictInput): Finding[] {
  const out: Finding[] = [];
  const cpus = inp.cpus;
  const all = cpus.map((c) => c.cpu);
  const secs = inp.interval_s;

  // 1. One CPU does most of the receive work (softirqs or NIC IRQs) while another has room.
  const rx = topShare(cpus, (c) => c.net_rx);
  const irq = topShare(cpus, (c) => c.nic_irqs);
  const rxHot = rx && rx.total >= MIN_NET_RX_RATE && rx.share > CONCENTRATION_SHARE ? rx : undefined;
  const irqHot = irq && irq.total >= MIN_NIC_IRQ_RATE && irq.share > CONCENTRATION_SHARE ? irq : undefined;
  const hotCandidate = rxHot?.cpu ?? irqHot?.cpu;
  const matters = (c: CpuRates) => c.softirq_pct === undefined || c.softirq_pct >= MIN_HOT_SOFTIRQ_PCT || c.dropped > 0 || c.time_squeeze > 0;
  const hot = hotCandidate && matters(hotCandidate) ? hotCandidate : undefined;
  if (hot) {
    const idle = cpus.filter((c) => c.cpu !== hot.cpu && (c.busy_pct === undefined || c.busy_pct < IDLE_BUSY_PCT));
    const rxEvidence = rxHot ? { net_rx_share: r3(rxHot.share), net_rx_per_s: hot.net_rx, net_rx_total_per_s: r1(rxHot.total) } : {};
    if (idle.length === 0) {
      // Spreading adds no capacity when every other CPU is busy; say so without fixes.
      const others = cpus.filter((c) => c.cpu !== hot.cpu);
      out.push(finding('softirq.imbalance', 'notice', 'cpu',
        `CPU${hot.cpu} does most of the network receive work, but the other CPUs are busy too`,
        { cpu: hot.cpu },
        {
          cpu: hot.cpu, ...rxEvidence,
          ...(irqHot ? { nic_irq_cpu: irqHot.cpu.cpu, nic_irq_share: r3(irqHot.share), nic_irqs_per_s: irqHot.cpu.nic_irqs } : {}),
          other_cpus_min_busy_pct: Math.min(...others.map((c) => c.busy_pct ?? 100)),
        },
        [
          ...(rxHot ? [`CPU${hot.cpu} ran ${pctStr(rxHot.share)} of NET_RX softirqs (${rate(hot.net_rx)}/s of ${rate(rxHot.total)}/s)`] : []),
          ...(irqHot ? [`CPU${irqHot.cpu.cpu} took ${pctStr(irqHot.share)} of NIC queue IRQs (${rate(irqHot.cpu.nic_irqs)}/s)`] : []),
          `no CPU under ${IDLE_BUSY_PCT}% busy: ${others.map((c) => `CPU${c.cpu} ${c.busy_pct}%`).join(', ')}`,
        ],
        `${WHY_SPREAD}. Here every other CPU is busy too, so spreading the work would add no capacity.`,
        []));
    } else {
      const proof: string[] = [];
      if (rxHot) proof.push(`CPU${hot.cpu} ran ${pctStr(rxHot.share)} of NET_RX softirqs (${rate(hot.net_rx)}/s of ${rate(rxHot.total)}/s)`);
      const irqHere = irqHot && irqHot.cpu.cpu === hot.cpu ? irqHot : undefined;
      if (irqHere) proof.push(`CPU${hot.cpu} took ${pctStr(irqHere.share)} of NIC queue IRQs (${rate(hot.nic_irqs)}/s of ${rate(irqHere.total)}/s)`);
      if (hot.softirq_pct !== undefined) proof.push(`CPU${hot.cpu} spent ${hot.softirq_pct}% of its time in softirq, ${hot.busy_pct ?? '?'}% busy`);
      proof.push(`idle enough to help: ${idle.map((c) => `CPU${c.cpu}${c.busy_pct !== undefined ? ` (${c.busy_pct}% busy)` : ''}`).join(', ')}`);
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
        proof.push(`${i.name}: ${i.rx_queues} rx queue(s), RPS ${i.rx.some((q) => (q.rps_cpus?.length ?? 0) > 0) ? 'on' : 'off'}${where.length ? `, queue IRQs on ${where.join('; ')}` : ''}`);
      }
      let fixes = targets.flatMap((i) => spreadFixes(i, hot.cpu, all, inp.global));
      // No interface to name (the work came through devices of another namespace, or lo): the
      // general moves, with the hot CPU left out of the RPS mask.
      if (!fixes.length) {
        fixes = [
          `echo ${formatCpuMask(all.filter((c) => c !== hot.cpu))} > /sys/class/net/IF/queues/rx-N/rps_cpus   # RPS on the receiving device's queues`,
          'ethtool -L IF combined N   # more RSS queues, where the NIC has them',
        ];
      }
      out.push(finding('softirq.imbalance', 'warning', 'cpu',
        `CPU${hot.cpu} does most of the network receive work while other CPUs idle`,
        { cpu: hot.cpu, ifname: targets.length === 1 ? targets[0]!.name : undefined },
        {
          cpu: hot.cpu, ...rxEvidence,
          ...(irqHere ? { nic_irq_share: r3(irqHere.share), nic_irqs_per_s: hot.nic_irqs, nic_irqs_total_per_s: r1(irqHere.total) } : {}),
          softirq_pct: hot.softirq_pct, busy_pct: hot.busy_pct, idle_cpus: idle.length,
        },
        proof,
        `${WHY_SPREAD} while the other CPUs idle.`,
        [...new Set(fixes)]));
    }
  }

  // 2. NAPI polls ran out of budget or time with packets left (time_squeeze).
  const squeezed = cpus.filter((c) => c.time_squeeze > 0);
  if (squeezed.length) {
    const g = inp.global;
    // A squeeze is not a drop: work waited for the next round. Busy healthy hosts squeeze now and
    // then; it is worth a warning only where the same CPU also dropped at its backlog.
    const alsoDropping = squeezed.some((c) => c.dropped > 0);
    out.push(finding('softnet.squeeze', alsoDropping ? 'warning' : 'notice', 'cpu',
      'softirq packet processing ran out of budget (softnet time_squeeze grew)',
      { cpu: onlyCpu(squeezed), setting: 'net.core.netdev_budget' },
      {
        time_squeeze_per_s: sum(squeezed, (c) => c.time_squeeze), processed_per_s: sum(squeezed, (c) => c.processed),
        cpus: squeezed.length, netdev_budget: g.netdev_budget, netdev_budget_usecs: g.netdev_budget_usecs,
      },
      [
        ...squeezed.map((c) => `CPU${c.cpu}: ${rate(c.time_squeeze)} squeezes/s, ${rate(c.processed)} packets/s processed`),
        `net.core.netdev_budget=${g.netdev_budget ?? '?'}, netdev_budget_usecs=${g.netdev_budget_usecs ?? '?'}`,
      ],
      'A NAPI poll round in the NET_RX softirq stops after netdev_budget packets or netdev_budget_usecs, '
        + 'whichever comes first; time_squeeze counts rounds that stopped with packets still waiting, '
        + 'which then wait for the next round (or ksoftirqd) and may overflow the NIC ring.',
      [
        `sysctl -w net.core.netdev_budget=${(g.netdev_budget ?? 300) * 2}`,
        `sysctl -w net.core.netdev_budget_usecs=${(g.netdev_budget_usecs ?? 2000) * 2}`,
      ]));
  }

  // 3. The per-CPU backlog overflowed (netif_rx / RPS enqueue drops).
  const dropping = cpus.filter((c) => c.dropped > 0);
  if (dropping.length) {
    const mb = inp.global.netdev_max_backlog;
    out.push(finding('softnet.backlog_drops', 'warning', 'cpu',
      'packets were dropped because a CPU backlog queue was full (softnet dropped)',
      { cpu: onlyCpu(dropping), setting: 'net.core.netdev_max_backlog' },
      {
        dropped_per_s: sum(dropping, (c) => c.dropped), dropped: dropping.reduce((s, c) => s + Math.round(c.dropped * secs), 0),
        interval_s: secs, cpus: dropping.length, netdev_max_backlog: mb,
      },
      [
        ...dropping.map((c) => `CPU${c.cpu}: ${rate(c.dropped)} drops/s (${Math.round(c.dropped * secs)} in ${secs}s), backlog ${c.backlog ?? '?'}`),
        `net.core.netdev_max_backlog=${mb ?? '?'}`,
      ],
      'Packets handed to a CPU by RPS/RFS, or received through netif_rx (veth, loopback, tunnels), wait in '
        + 'that CPU\'s backlog queue until its NET_RX softirq runs; once it holds netdev_max_backlog packets, '
        + 'new ones are dropped.',
      [`sysctl -w net.core.netdev_max_backlog=${(mb ?? 1000) * 2}`]));
  }

  // 4. Flow limit dropped packets of large flows to keep small ones moving.
  const limited = cpus.filter((c) => (c.flow_limit_count ?? 0) > 0);
  if (limited.length) {
    out.push(finding('softnet.flow_limit', 'notice', 'cpu',
      'flow limit dropped packets of heavy flows at the backlog (softnet flow_limit_count grew)',
      { cpu: onlyCpu(limited), setting: 'net.core.flow_limit_cpu_bitmap' },
      {
        flow_limited_per_s: sum(limited, (c) => c.flow_limit_count ?? 0), cpus: limited.length,
        flow_limit_table_len: inp.global.flow_limit_table_len,
      },
      [
        ...limited.map((c) => `CPU${c.cpu}: ${rate(c.flow_limit_count!)} flow-limited packets/s`),
        `net.core.flow_limit_table_len=${inp.global.flow_limit_table_len ?? '?'}`,
      ],
      'With flow limit on for a CPU (net.core.flow_limit_cpu_bitmap), once its backlog is more than half '
        + 'full, packets of the flows that fill most of it are dropped, so that one heavy flow cannot '
        + 'starve the others: the heavy flows lose packets.',
      [
        `sysctl -w net.core.flow_limit_table_len=${(inp.global.flow_limit_table_len ?? 4096) * 2}   # finer flow accounting`,
        `echo 0 > /proc/sys/net/core/flow_limit_cpu_bitmap   # or: stop flow limit on all CPUs`,
      ]));
  }

  // 5. RFS configured on one side only does nothing.
  const ent = inp.global.rps_sock_flow_entries;
  const WHY_RFS = 'RFS steers each flow to the CPU where the thread reading it last ran, and needs both halves: '
    + 'the global flow table (net.core.rps_sock_flow_entries) and a flow count on each receive queue '
    + '(rps_flow_cnt); with either at 0 no flow is steered.';
  for (const i of inp.interfaces) {
    const withCnt = i.rx.filter((q) => (q.rps_flow_cnt ?? 0) > 0);
    if (ent !== undefined && ent > 0 && i.rx.length > 0 && withCnt.length === 0 && i.rx.some((q) => (q.rps_cpus?.length ?? 0) > 0)) {
      out.push(finding('config.rfs_half', 'notice', 'config',
        `RFS is half set up on ${i.name}: rps_sock_flow_entries is set but no queue has rps_flow_cnt`,
        { ifname: i.name, setting: `/sys/class/net/${i.name}/queues/rx-*/rps_flow_cnt` },
        { rps_sock_flow_entries: ent, rx_queues: i.rx.length, rx_queues_with_flow_cnt: 0 },
        [`net.core.rps_sock_flow_entries=${ent}`, `${i.name}: rps_flow_cnt 0 on ${i.rx.length} rx queue(s)`],
        WHY_RFS,
        i.rx.map((q) => `echo ${Math.floor(ent / i.rx.length)} > /sys/class/net/${i.name}/queues/rx-${q.index}/rps_flow_cnt`)));
    } else if ((ent ?? 0) === 0 && withCnt.length > 0) {
      out.push(finding('config.rfs_half', 'notice', 'config',
        `RFS is half set up on ${i.name}: rps_flow_cnt is set but rps_sock_flow_entries is 0`,
        { ifname: i.name, setting: 'net.core.rps_sock_flow_entries' },
        { rps_sock_flow_entries: ent, rx_queues: i.rx.length, rx_queues_with_flow_cnt: withCnt.length },
        [`net.core.rps_sock_flow_entries=${ent ?? '?'}`, ...withCnt.map((q) => `${i.name} rx-${q.index}: rps_flow_cnt ${q.rps_flow_cnt}`)],
        WHY_RFS,
        [`sysctl -w net.core.rps_sock_flow_entries=${RFS_ENTRIES}`]));
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
    // the member to look at: the one with a full queue, else the one holding most
    const culprit = full[0] ?? top;
    out.push(finding('reuseport.imbalance', full.length ? 'warning' : 'notice', 'socket',
      `SO_REUSEPORT group ${g.laddr}:${g.lport}: ${full.length ? 'an accept queue is full' : 'one listener holds most waiting connections'}`,
      { proto: g.proto, family: g.family, laddr: g.laddr, lport: g.lport, pid: culprit.pid, comm: culprit.comm },
      {
        members: g.members.length, waiting: total, full_queues: full.length, inode: culprit.inode,
        member_waiting: culprit.recv_q, member_limit: culprit.send_q, member_share: total > 0 ? r3(culprit.recv_q / total) : undefined,
      },
      g.members.map((m) => `${who(m)}: ${m.recv_q}/${m.send_q} waiting/limit`),
      'The kernel hashes each new connection onto one SO_REUSEPORT member without looking at its queue, so a '
        + 'member that accepts slowly collects connections while the others wait idle; once its accept queue '
        + 'is full, the connections hashed to it are dropped.',
      [
        'the listener with the long queue is not calling accept() fast enough: look at that process',
        'steer with a BPF program (SO_ATTACH_REUSEPORT_EBPF) or raise its backlog (listen(), net.core.somaxconn)',
      ]));
  }
  return out;
}
