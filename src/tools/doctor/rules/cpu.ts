// Rules on how network work spreads over CPUs, and on SO_REUSEPORT groups: scaling's verdicts
// (one logic for `netdx scaling` and the doctor), fed with the window's samples.
import type { Finding } from '../../../core/finding.js';
import { groupReuseport, scalingVerdicts, type CpuRates, type ScalingFindingId } from '../../scaling/lib.js';
import type { Rule } from './rule.js';
import { hostPort, type WindowView } from './view.js';
import type { TcpSnap } from '../window.js';

/** Per-CPU rates over the whole window, in scaling's terms. */
export function cpuRates(v: WindowView): CpuRates[] {
  const sn = new Map(v.softnet().map((c) => [c.cpu, c]));
  const irqA = new Map(v.first.nic_irqs.map((x) => [x.cpu, x.count]));
  const irqB = new Map(v.last.nic_irqs.map((x) => [x.cpu, x.count]));
  const r = (x: number) => Math.round((x / v.secs) * 10) / 10;
  return v.cpus().map((c) => {
    const s = sn.get(c.cpu);
    return {
      cpu: c.cpu, net_rx: r(c.net_rx), net_tx: r(c.net_tx),
      processed: r(s?.processed ?? 0), dropped: r(s?.dropped ?? 0), time_squeeze: r(s?.time_squeeze ?? 0),
      received_rps: r(s?.received_rps ?? 0), flow_limit_count: r(s?.flow_limit_count ?? 0), backlog: s?.backlog,
      nic_irqs: r(Math.max(0, (irqB.get(c.cpu) ?? 0) - (irqA.get(c.cpu) ?? 0))),
      softirq_pct: Math.round(c.softirq_pct * 10) / 10, irq_pct: Math.round(c.irq_pct * 10) / 10, busy_pct: Math.round(c.busy_pct * 10) / 10,
    };
  });
}

const verdicts = new WeakMap<WindowView, Finding[]>();

function scalingFindings(v: WindowView): Finding[] {
  let f = verdicts.get(v);
  if (!f) {
    const owners = new Map(Object.entries(v.w.config.owners).map(([i, o]) => [Number(i), o]));
    const reuseport = groupReuseport(v.last.listeners.map((l) => ({ ...l, uid: 0 })), owners);
    f = scalingVerdicts({ interval_s: v.secs, cpus: cpuRates(v), interfaces: v.w.config.scaling.interfaces, global: v.w.config.scaling.global, reuseport });
    verdicts.set(v, f);
  }
  return f;
}

/** One connection carrying at least this share of the packets received is one flow's work. */
export const DOMINANT_FLOW_SHARE = 0.8;

/**
 * The connection that received most of the namespace's packets in the window, with its share of
 * them (IpInReceives + Ip6InReceives), when it carried at least DOMINANT_FLOW_SHARE.
 */
export function dominantFlow(v: WindowView): { snap: TcpSnap; segs: number; share: number } | undefined {
  const received = v.sum('IpInReceives', 'Ip6InReceives');
  if (received <= 0) return undefined;
  const start = new Map(v.w.sockets.start.map((x) => [x.cookie, x]));
  let best: { snap: TcpSnap; segs: number } | undefined;
  for (const e of v.w.sockets.end) {
    // a connection opened during the window counts whole
    const segs = (e.info.segs_in ?? 0) - (start.get(e.cookie)?.info.segs_in ?? 0);
    if (!best || segs > best.segs) best = { snap: e, segs };
  }
  if (!best || best.segs / received < DOMINANT_FLOW_SHARE) return undefined;
  return { ...best, share: best.segs / received };
}

/**
 * Receive work on one CPU is one flow's nature when one connection carried most of it: RSS and
 * RPS hash flows to CPUs, so no setting spreads a single flow. Said as a notice, with that flow.
 */
function weighImbalance(v: WindowView, f: Finding): Finding {
  const d = f.id === 'softirq.imbalance' ? dominantFlow(v) : undefined;
  if (!d) return f;
  const c = d.snap;
  return {
    ...f, severity: 'notice',
    proof: [...f.proof, `one connection, ${hostPort(c.raddr, c.rport)} → ${hostPort(c.laddr, c.lport)}, carried ${Math.round(d.share * 100)}% `
      + `of the packets received (${d.segs} segments): one flow is processed on one CPU by design`],
    fix: ['spread the load over more connections (a flow cannot be split over CPUs: RSS/RPS hash flows)', ...f.fix],
    evidence: { ...f.evidence, dominant_flow_share: +d.share.toFixed(3) },
  };
}

function scalingRule(id: ScalingFindingId, layer: Rule['layer'], title: string, reads: string[], why: string, fix: string[]): Rule {
  return {
    id, layer, title, reads, thresholds: {}, why, fix,
    judge: (v) => scalingFindings(v).filter((f) => f.id === id)
      // a listener or an interface belongs to the namespace judged; a CPU is the host's
      .map((f) => weighImbalance(v, { ...f, culprit: { ...f.culprit, ...(f.culprit?.lport === undefined && f.culprit?.ifname === undefined ? {} : { netns: v.netnsLabel() }) } })),
  };
}

const SPREAD_WHY = 'Receive work runs on the CPU that takes the queue\'s IRQ (RSS) or where RPS/RFS steer it; one queue, '
  + 'or all IRQs on one CPU with RPS off, puts every NAPI poll on one CPU and caps throughput there.';

export const CPU_RULES: readonly Rule[] = [
  scalingRule('softirq.imbalance', 'cpu', 'one CPU does most of the network receive work while others idle',
    ['/proc/softirqs NET_RX', '/proc/interrupts (NIC queue IRQs)', '/proc/stat', 'rps_cpus, IRQ affinity'], SPREAD_WHY,
    ['spread IRQs over CPUs (smp_affinity_list)', 'more RSS queues (ethtool -L)', 'RPS/RFS on single-queue devices']),
  scalingRule('softnet.backlog_drops', 'cpu', 'packets dropped because a CPU\'s input backlog was full',
    ['/proc/net/softnet_stat dropped', 'net.core.netdev_max_backlog'],
    'Packets handed to a CPU (by RPS, veth or loopback) wait in its backlog of netdev_max_backlog packets; a burst or a busy CPU overflows it.',
    ['raise net.core.netdev_max_backlog', 'spread the receive work (RPS)']),
  scalingRule('softnet.squeeze', 'cpu', 'the NET_RX softirq ran out of budget with packets left (time_squeeze; not a drop)',
    ['/proc/net/softnet_stat time_squeeze', 'net.core.netdev_budget', 'net.core.netdev_budget_usecs'],
    'A NAPI round stops after netdev_budget packets or netdev_budget_usecs; the rest waits for the next round.',
    ['raise net.core.netdev_budget and netdev_budget_usecs']),
  scalingRule('softnet.flow_limit', 'cpu', 'flow limit dropped packets of heavy flows at the backlog',
    ['/proc/net/softnet_stat flow_limit_count', 'net.core.flow_limit_table_len'],
    'Flow limit drops packets of the heaviest flows when a backlog fills, to keep small flows moving.',
    ['raise net.core.flow_limit_table_len, or turn flow limit off on those CPUs']),
  scalingRule('config.rfs_half', 'config', 'RFS is set up on one side only, so it does nothing',
    ['net.core.rps_sock_flow_entries', 'rps_flow_cnt per rx queue'],
    'RFS needs both the global table (rps_sock_flow_entries) and a per-queue share (rps_flow_cnt).',
    ['set both: sysctl net.core.rps_sock_flow_entries and /sys/class/net/IF/queues/rx-N/rps_flow_cnt']),
  scalingRule('reuseport.imbalance', 'socket', 'one SO_REUSEPORT listener holds most waiting connections, or its queue is full',
    ['sock_diag LISTEN recv_q/send_q per member'],
    'SO_REUSEPORT spreads new connections over the group by hash; a member that accepts slowly keeps its share waiting.',
    ['look at the slow member\'s process', 'steer with SO_ATTACH_REUSEPORT_EBPF, or raise its backlog']),
];
