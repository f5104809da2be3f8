// scaling as a library: how each interface spreads its receive and transmit work over CPUs
// (queues, IRQs and their affinity, RPS/RFS/XPS), how the work actually landed per CPU over an
// interval (softirqs, softnet, NIC IRQs, softirq time), and SO_REUSEPORT accept groups. All of
// it is read from /proc and /sys; nothing is changed: the verdicts print the commands instead.
import { readIntOr, readTextOr } from '../../core/proc/read.js';
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { basename } from 'node:path';
import { NetdxError } from '../../core/errors.js';
import { parseCpuList, parseCpuMask, formatCpuMask, formatCpuList } from '../../core/proc/cpus.js';
import { parseInterrupts, type ProcInterrupts, type IrqLine } from '../../core/proc/interrupts.js';
import { parseSoftirqs, type ProcSoftirqs } from '../../core/proc/softirqs.js';
import { parseSoftnetStat, type SoftnetRow } from '../../core/proc/softnet.js';
import { parseProcStat, type CpuTimes } from '../../core/proc/cpustat.js';
import { socketOwners } from '../../core/proc/owners.js';
import { sleep } from '../../core/time.js';

// ------------------------------------------------------------------ types

export type QueueKind = 'rx' | 'tx' | 'combined' | 'other';

export interface QueueIrq {
  irq: number;
  name: string;
  chip: string;
  /** What the IRQ serves, from its name: a queue (with index) or something else (config...). */
  kind: QueueKind;
  index?: number;
  /** CPUs the IRQ may be delivered to (smp_affinity_list). */
  affinity?: number[];
  /** CPUs it is actually delivered to (effective_affinity_list), where the kernel says. */
  effective?: number[];
  /** Interrupts per second per CPU over the interval (same order as ScalingReport.cpus). */
  rate?: number;
}

export interface RxQueue {
  index: number;
  /** CPUs RPS steers this queue's packets to; empty when RPS is off. */
  rps_cpus?: number[];
  rps_mask?: string;
  rps_flow_cnt?: number;
  irqs: number[];
}

export interface TxQueue {
  index: number;
  xps_cpus?: number[];
  xps_mask?: string;
  /** xps_rxqs as a mask of receive queues (transmit on the queue paired with the rx queue). */
  xps_rxqs?: number[];
  irqs: number[];
}

export interface InterfaceScaling {
  name: string;
  /** The device behind the interface ("virtio2", "0000:03:00.0"); absent for virtual ones. */
  device?: string;
  driver?: string;
  rx_queues: number;
  tx_queues: number;
  /** Queue IRQs found, counted by distinct queue index: the RSS channel count where visible. */
  irq_channels: number;
  rx: RxQueue[];
  tx: TxQueue[];
  irqs: QueueIrq[];
  /** Packets per second received/sent over the interval (from statistics/). */
  rx_pps?: number;
  tx_pps?: number;
}

export interface GlobalSteering {
  /** RFS global table size; 0 means RFS is off. */
  rps_sock_flow_entries?: number;
  /** CPUs with flow limit enabled (net.core.flow_limit_cpu_bitmap). */
  flow_limit_cpus?: number[];
  flow_limit_table_len?: number;
  netdev_budget?: number;
  netdev_budget_usecs?: number;
  netdev_max_backlog?: number;
  dev_weight?: number;
}

export interface CpuRates {
  cpu: number;
  /** Softirqs raised per second. */
  net_rx: number;
  net_tx: number;
  /** softnet_stat columns as per-second rates. */
  processed: number;
  dropped: number;
  time_squeeze: number;
  received_rps?: number;
  flow_limit_count?: number;
  /** Packets waiting in the CPU's backlog at the end of the interval. */
  backlog?: number;
  /** Hard IRQs per second of the NIC queue IRQs (of the interfaces shown). */
  nic_irqs: number;
  /** Share of the CPU's time in softirq, in hard IRQ, and not idle (percent, /proc/stat). */
  softirq_pct?: number;
  irq_pct?: number;
  busy_pct?: number;
}

export interface ReuseportMember {
  inode: number;
  uid: number;
  /** Connections waiting to be accepted (the accept queue) and its limit (listen backlog). */
  recv_q: number;
  send_q: number;
  pid?: number;
  comm?: string;
}

export interface ReuseportGroup {
  proto: 'tcp';
  family: 4 | 6;
  laddr: string;
  lport: number;
  members: ReuseportMember[];
}

export interface Verdict {
  id: 'rx-concentrated' | 'time-squeeze' | 'backlog-drops' | 'flow-limit' | 'rfs-half' | 'reuseport-imbalance';
  severity: 'warning' | 'notice';
  summary: string;
  evidence: string[];
  /** Commands for the user to run; netdx runs none of them. */
  fixes: string[];
}

export interface ScalingReport {
  interval_s: number;
  /** Online CPUs. */
  cpus: number[];
  interfaces: InterfaceScaling[];
  global: GlobalSteering;
  per_cpu: CpuRates[];
  /** Undefined when the socket dump was not available. */
  reuseport?: ReuseportGroup[];
  verdicts: Verdict[];
  notes: string[];
}

// ------------------------------------------------------------------ reading

function mustRead(path: string): string {
  try { return readFileSync(path, 'utf8'); } catch (e) {
    throw new NetdxError('E_IO', `reading ${path}: ${(e as Error).message}`, { cause: e });
  }
}

function listDir(path: string): string[] {
  try { return readdirSync(path); } catch { return []; }
}

const NET = '/sys/class/net';

export function onlineCpus(): number[] {
  const t = readTextOr('/sys/devices/system/cpu/online');
  return t ? parseCpuList(t) : [];
}

/** Interface names, optionally only the given ones (an unknown name is a usage error). */
export function listInterfaces(only: readonly string[] = []): string[] {
  const all = listDir(NET).sort();
  for (const n of only) {
    if (!all.includes(n)) throw new NetdxError('E_USAGE', `reading interface ${n}: no such interface (have ${all.join(', ')})`);
  }
  return only.length ? [...only] : all;
}

// ------------------------------------------------------------------ IRQ names

/**
 * What an IRQ of a NIC serves, from its handler name with the interface or device prefix
 * removed: "TxRx-3" / "comp3" / "3" -> combined 3, "input.0" / "rx-0" -> rx 0, "output.1" ->
 * tx 1, "config" / "async0" / "lsc" -> other.
 */
export function classifyQueueIrq(name: string, prefixes: readonly string[]): { kind: QueueKind; index?: number } {
  let s = name.split('@')[0]!;
  for (const p of prefixes) {
    if (s.startsWith(p + '-') || s.startsWith(p + '_')) { s = s.slice(p.length + 1); break; }
  }
  const low = s.toLowerCase();
  const num = /(\d+)(?!.*\d)/.exec(low);
  const index = num ? Number(num[1]) : undefined;
  if (/config|ctrl|async|event|misc|lsc|mbx|adminq|aq|link|err|fdir/.test(low)) return { kind: 'other' };
  if (/txrx|tx-rx|rxtx|rx-tx|combined|comp|trx|queue|q\d/.test(low)) return { kind: 'combined', index };
  if (/rx|input|recv/.test(low)) return { kind: 'rx', index };
  if (/tx|output|xmit/.test(low)) return { kind: 'tx', index };
  if (/^\d+$/.test(low)) return { kind: 'combined', index };
  return { kind: 'other' };
}

interface DeviceIds { device?: string; driver?: string; msi: Set<number>; prefixes: string[]; pci?: string }

function deviceIds(ifname: string): DeviceIds {
  const ids: DeviceIds = { msi: new Set(), prefixes: [ifname] };
  let devPath: string;
  try { devPath = readlinkSync(`${NET}/${ifname}/device`); } catch { return ids; }
  ids.device = basename(devPath);
  try { ids.driver = basename(readlinkSync(`${NET}/${ifname}/device/driver`)); } catch { /* no driver bound */ }
  ids.prefixes.push(ids.device);
  // virtio-net sits on a virtio bus device whose PCI parent owns the MSI vectors.
  for (const d of [`${NET}/${ifname}/device`, `${NET}/${ifname}/device/..`]) {
    for (const e of listDir(`${d}/msi_irqs`)) if (/^\d+$/.test(e)) ids.msi.add(Number(e));
  }
  const pci = [ids.device, basename(devPath.replace(/\/[^/]+$/, ''))].find((x) => /^[0-9a-f]{4}:[0-9a-f]{2}:/.test(x ?? ''));
  if (pci) ids.pci = pci;
  return ids;
}

/** The IRQ lines of /proc/interrupts that belong to this interface. */
export function matchInterfaceIrqs(ids: { prefixes: string[]; msi: Set<number>; pci?: string },
  lines: readonly IrqLine[]): IrqLine[] {
  return lines.filter((l) => {
    if (l.irq === undefined) return false;
    const names = l.name.split(', ');
    return names.some((n) => ids.prefixes.some((p) => n === p || n.startsWith(p + '-') || n.startsWith(p + '_') || n.startsWith(p + '@'))
      || (ids.pci !== undefined && n.includes(`@pci:${ids.pci}`)))
      // MSI vectors of the device whose names do not carry the interface's name (some drivers
      // name them after the driver); virtio's config vector is among them, classed 'other'.
      || ids.msi.has(l.irq);
  });
}

function queueIndices(ifname: string, kind: 'rx' | 'tx'): number[] {
  return listDir(`${NET}/${ifname}/queues`)
    .map((q) => new RegExp(`^${kind}-(\\d+)$`).exec(q))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => Number(m[1]))
    .sort((a, b) => a - b);
}

function maskFile(path: string): { cpus?: number[]; mask?: string } {
  const t = readTextOr(path);
  if (t === undefined) return {};
  try { return { cpus: parseCpuMask(t), mask: t.trim() }; } catch { return {}; }
}

/** Static picture of one interface: queues, their steering, their IRQs and IRQ affinity. */
export function readInterface(ifname: string, irqLines: readonly IrqLine[]): InterfaceScaling {
  const ids = deviceIds(ifname);
  const irqs: QueueIrq[] = matchInterfaceIrqs(ids, irqLines).map((l) => {
    const c = classifyQueueIrq(l.name, ids.prefixes);
    const aff = readTextOr(`/proc/irq/${l.irq}/smp_affinity_list`);
    const eff = readTextOr(`/proc/irq/${l.irq}/effective_affinity_list`);
    return {
      irq: l.irq!, name: l.name, chip: l.chip, kind: c.kind, index: c.index,
      affinity: aff !== undefined ? parseCpuList(aff) : undefined,
      effective: eff !== undefined && eff.trim() !== '' ? parseCpuList(eff) : undefined,
    };
  });
  const irqsFor = (kind: 'rx' | 'tx', i: number) =>
    irqs.filter((q) => q.index === i && (q.kind === kind || q.kind === 'combined')).map((q) => q.irq);
  const rx: RxQueue[] = queueIndices(ifname, 'rx').map((i) => {
    const base = `${NET}/${ifname}/queues/rx-${i}`;
    const m = maskFile(`${base}/rps_cpus`);
    return { index: i, rps_cpus: m.cpus, rps_mask: m.mask, rps_flow_cnt: readIntOr(`${base}/rps_flow_cnt`), irqs: irqsFor('rx', i) };
  });
  const tx: TxQueue[] = queueIndices(ifname, 'tx').map((i) => {
    const base = `${NET}/${ifname}/queues/tx-${i}`;
    // xps_cpus fails to read (ENOENT) on single-queue devices: absent, not an error.
    const m = maskFile(`${base}/xps_cpus`);
    const r = maskFile(`${base}/xps_rxqs`);
    return { index: i, xps_cpus: m.cpus, xps_mask: m.mask, xps_rxqs: r.cpus, irqs: irqsFor('tx', i) };
  });
  const channels = new Set(irqs.filter((q) => q.kind !== 'other' && q.index !== undefined).map((q) => q.index));
  return {
    name: ifname, device: ids.device, driver: ids.driver,
    rx_queues: rx.length, tx_queues: tx.length, irq_channels: channels.size, rx, tx, irqs,
  };
}

export function readGlobalSteering(): GlobalSteering {
  const core = '/proc/sys/net/core';
  const fl = readTextOr(`${core}/flow_limit_cpu_bitmap`);
  let flCpus: number[] | undefined;
  try { flCpus = fl !== undefined ? parseCpuMask(fl) : undefined; } catch { flCpus = undefined; }
  return {
    rps_sock_flow_entries: readIntOr(`${core}/rps_sock_flow_entries`),
    flow_limit_cpus: flCpus,
    flow_limit_table_len: readIntOr(`${core}/flow_limit_table_len`),
    netdev_budget: readIntOr(`${core}/netdev_budget`),
    netdev_budget_usecs: readIntOr(`${core}/netdev_budget_usecs`),
    netdev_max_backlog: readIntOr(`${core}/netdev_max_backlog`),
    dev_weight: readIntOr(`${core}/dev_weight`),
  };
}

// ------------------------------------------------------------------ sampling

export interface Snapshot {
  t_ms: number;
  online: number[];
  interrupts: ProcInterrupts;
  softirqs: ProcSoftirqs;
  softnet: SoftnetRow[];
  stat: CpuTimes[];
  /** rx/tx packets per interface (statistics/). */
  packets: Map<string, { rx?: number; tx?: number }>;
}

export function takeSnapshot(ifnames: readonly string[]): Snapshot {
  const online = onlineCpus();
  const packets = new Map<string, { rx?: number; tx?: number }>();
  for (const n of ifnames) {
    packets.set(n, { rx: readIntOr(`${NET}/${n}/statistics/rx_packets`), tx: readIntOr(`${NET}/${n}/statistics/tx_packets`) });
  }
  return {
    t_ms: performance.now(),
    online,
    interrupts: parseInterrupts(mustRead('/proc/interrupts')),
    softirqs: parseSoftirqs(mustRead('/proc/softirqs')),
    softnet: parseSoftnetStat(mustRead('/proc/net/softnet_stat'), online),
    stat: parseProcStat(mustRead('/proc/stat')),
    packets,
  };
}

/** Per-CPU counts of one line by CPU number (the header says which column is which CPU). */
function byCpu(cpus: readonly number[], counts: readonly number[] | undefined): Map<number, number> {
  const m = new Map<number, number>();
  cpus.forEach((c, i) => m.set(c, counts?.[i] ?? 0));
  return m;
}

/** Counters wrap at 32 bits in softnet_stat and /proc/interrupts: take the delta modulo 2^32. */
function delta(a: number | undefined, b: number | undefined): number {
  if (a === undefined || b === undefined) return 0;
  return b >= a ? b - a : b + 2 ** 32 - a;
}

/** Pure: per-CPU rates between two snapshots; nicIrqs are the IRQ numbers counted as NIC IRQs. */
export function computeCpuRates(a: Snapshot, b: Snapshot, nicIrqs: ReadonlySet<number>): CpuRates[] {
  const secs = Math.max((b.t_ms - a.t_ms) / 1000, 1e-3);
  const r = (x: number) => Math.round((x / secs) * 10) / 10;
  const cpus = b.online.length ? b.online : b.softirqs.cpus;
  const sirq = (s: Snapshot, name: string) => byCpu(s.softirqs.cpus, s.softirqs.counts[name]);
  const rxA = sirq(a, 'NET_RX'), rxB = sirq(b, 'NET_RX'), txA = sirq(a, 'NET_TX'), txB = sirq(b, 'NET_TX');
  const nic = (s: Snapshot) => {
    const m = new Map<number, number>();
    for (const l of s.interrupts.lines) {
      if (l.irq === undefined || !nicIrqs.has(l.irq)) continue;
      s.interrupts.cpus.forEach((c, i) => m.set(c, (m.get(c) ?? 0) + (l.counts[i] ?? 0)));
    }
    return m;
  };
  const nicA = nic(a), nicB = nic(b);
  const snA = new Map(a.softnet.map((x) => [x.cpu, x])), snB = new Map(b.softnet.map((x) => [x.cpu, x]));
  const stA = new Map(a.stat.map((x) => [x.cpu, x])), stB = new Map(b.stat.map((x) => [x.cpu, x]));
  return cpus.map((cpu) => {
    const s0 = snA.get(cpu), s1 = snB.get(cpu);
    const t0 = stA.get(cpu), t1 = stB.get(cpu);
    const row: CpuRates = {
      cpu,
      net_rx: r(delta(rxA.get(cpu), rxB.get(cpu))),
      net_tx: r(delta(txA.get(cpu), txB.get(cpu))),
      processed: r(delta(s0?.processed, s1?.processed)),
      dropped: r(delta(s0?.dropped, s1?.dropped)),
      time_squeeze: r(delta(s0?.time_squeeze, s1?.time_squeeze)),
      received_rps: s1?.received_rps !== undefined ? r(delta(s0?.received_rps, s1.received_rps)) : undefined,
      flow_limit_count: s1?.flow_limit_count !== undefined ? r(delta(s0?.flow_limit_count, s1.flow_limit_count)) : undefined,
      backlog: s1?.backlog,
      nic_irqs: r(delta(nicA.get(cpu), nicB.get(cpu))),
    };
    if (t0 && t1) {
      const tot = t1.total - t0.total;
      if (tot > 0) {
        const pct = (x: number) => Math.round((x / tot) * 1000) / 10;
        row.softirq_pct = pct(t1.softirq - t0.softirq);
        row.irq_pct = pct(t1.irq - t0.irq);
        row.busy_pct = pct(tot - (t1.idle - t0.idle) - (t1.iowait - t0.iowait));
      }
    }
    return row;
  });
}

/** Pure: IRQ rates (per second, all CPUs) and packet rates onto the interfaces. */
export function applyRates(ifs: InterfaceScaling[], a: Snapshot, b: Snapshot): void {
  const secs = Math.max((b.t_ms - a.t_ms) / 1000, 1e-3);
  const tot = (s: Snapshot) => new Map(s.interrupts.lines.filter((l) => l.irq !== undefined).map((l) => [l.irq!, l.total]));
  const ta = tot(a), tb = tot(b);
  for (const i of ifs) {
    for (const q of i.irqs) q.rate = Math.round((delta(ta.get(q.irq), tb.get(q.irq)) / secs) * 10) / 10;
    const pa = a.packets.get(i.name), pb = b.packets.get(i.name);
    if (pa?.rx !== undefined && pb?.rx !== undefined) i.rx_pps = Math.round(((pb.rx - pa.rx) / secs) * 10) / 10;
    if (pa?.tx !== undefined && pb?.tx !== undefined) i.tx_pps = Math.round(((pb.tx - pa.tx) / secs) * 10) / 10;
  }
}

// ------------------------------------------------------------------ REUSEPORT

export interface ListenSocket {
  family: 4 | 6;
  laddr: string;
  lport: number;
  recv_q: number;
  send_q: number;
  inode: number;
  uid: number;
}

/**
 * Pure: listeners sharing one address:port. Two TCP LISTEN sockets can bind the same laddr:lport
 * in one namespace only with SO_REUSEPORT, so every group of 2+ is a REUSEPORT group.
 */
export function groupReuseport(socks: readonly ListenSocket[], owners?: ReadonlyMap<number, { pid: number; comm: string }>): ReuseportGroup[] {
  const groups = new Map<string, ReuseportGroup>();
  for (const s of socks) {
    const key = `${s.family}|${s.laddr}|${s.lport}`;
    let g = groups.get(key);
    if (!g) groups.set(key, g = { proto: 'tcp', family: s.family, laddr: s.laddr, lport: s.lport, members: [] });
    const o = owners?.get(s.inode);
    g.members.push({ inode: s.inode, uid: s.uid, recv_q: s.recv_q, send_q: s.send_q, pid: o?.pid, comm: o?.comm });
  }
  return [...groups.values()]
    .filter((g) => g.members.length >= 2)
    .map((g) => ({ ...g, members: g.members.sort((x, y) => x.inode - y.inode) }))
    .sort((x, y) => x.lport - y.lport || x.laddr.localeCompare(y.laddr));
}

// ------------------------------------------------------------------ verdicts

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
const TCP_LISTEN = 10;

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

// ------------------------------------------------------------------ the whole report

export interface ScalingOptions {
  interfaces?: readonly string[];
  interval_s?: number;
  signal?: AbortSignal;
  /** The listening TCP sockets of this namespace; by default from sock_diag. */
  listeners?: () => ListenSocket[] | Promise<ListenSocket[]>;
}

/** Samples the host over the interval and returns the whole picture with verdicts. */
export async function sampleScaling(opts: ScalingOptions = {}): Promise<ScalingReport> {
  const interval = opts.interval_s ?? 1;
  if (!(interval > 0) || interval > 3600) throw new NetdxError('E_USAGE', `parsing -i: SECONDS must be above 0 and at most 3600, not ${interval}`);
  const names = listInterfaces(opts.interfaces);
  const notes: string[] = [];
  const a = takeSnapshot(names);
  const interfaces = names.map((n) => readInterface(n, a.interrupts.lines));
  const global = readGlobalSteering();
  await sleep(interval * 1000, opts.signal);
  const b = takeSnapshot(names);
  const secs = Math.round(((b.t_ms - a.t_ms) / 1000) * 1000) / 1000;
  applyRates(interfaces, a, b);
  const nic = new Set(interfaces.flatMap((i) => i.irqs.filter((q) => q.kind !== 'other').map((q) => q.irq)));
  const per_cpu = computeCpuRates(a, b, nic);
  if (global.netdev_max_backlog === undefined) {
    notes.push('net.core steering sysctls are not visible in this netns (they live in the initial one)');
  }
  if (b.softnet.some((r) => r.cpu_from_order)) notes.push('softnet_stat has no cpu column here: rows mapped to online CPUs in order');
  let reuseport: ReuseportGroup[] | undefined;
  try {
    const socks = opts.listeners ? await opts.listeners() : await listTcpListeners();
    reuseport = groupReuseport(socks);
    if (reuseport.length) reuseport = groupReuseport(socks, listenerOwners());
  } catch (e) {
    notes.push(`REUSEPORT groups: ${e instanceof Error ? e.message : String(e)}`);
  }
  const verdicts = scalingVerdicts({ interval_s: secs, cpus: per_cpu, interfaces, global, reuseport });
  return { interval_s: secs, cpus: b.online, interfaces, global, per_cpu, reuseport, verdicts, notes };
}

/** Socket inode -> first owning process, from a scan of /proc/PID/fd (core/proc/owners.ts). */
function listenerOwners(): Map<number, { pid: number; comm: string }> {
  // Only scanned when there are groups: a pass over every /proc/PID/fd is not free.
  const out = new Map<number, { pid: number; comm: string }>();
  for (const [inode, owners] of socketOwners()) if (owners[0]) out.set(inode, { pid: owners[0].pid, comm: owners[0].comm });
  return out;
}

/** LISTEN TCP sockets (v4 and v6) of the current namespace via the shared sock_diag module. */
export async function listTcpListeners(): Promise<ListenSocket[]> {
  // Loaded here so the parsers and the verdict engine do not pull in the FFI.
  const { dumpInetSockets } = await import('../../core/netlink/sockdiag.js');
  return dumpInetSockets({ protocol: 'tcp', states: 1 << TCP_LISTEN })
    .filter((s) => s.state === 'LISTEN')
    .map((s) => ({ family: s.family, laddr: s.laddr, lport: s.lport, recv_q: s.recv_q, send_q: s.send_q, inode: s.inode, uid: s.uid }));
}
