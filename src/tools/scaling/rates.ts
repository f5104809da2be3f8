// scaling: how the network work actually landed per CPU over an interval. A snapshot is the
// counters (interrupts, softirqs, softnet_stat, /proc/stat, interface packets); rates between two
// snapshots are pure, so tests and the doctor compute them on any pair.
import { readFileSync } from 'node:fs';
import { NetdxError } from '../../core/errors.js';
import { parseInterrupts, type ProcInterrupts } from '../../core/proc/interrupts.js';
import { parseSoftirqs, type ProcSoftirqs } from '../../core/proc/softirqs.js';
import { parseSoftnetStat, type SoftnetRow } from '../../core/proc/softnet.js';
import { parseProcStat, type CpuTimes } from '../../core/proc/cpustat.js';
import { readIntOr } from '../../core/proc/read.js';
import { netDir, onlineCpus, type InterfaceScaling } from './interfaces.js';
import { SYS } from '../../core/sysfs.js';

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

function mustRead(path: string): string {
  try { return readFileSync(path, 'utf8'); } catch (e) {
    throw new NetdxError('E_IO', `reading ${path}: ${(e as Error).message}`, { cause: e });
  }
}

export function takeSnapshot(ifnames: readonly string[], sys = SYS): Snapshot {
  const NET = netDir(sys);
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
