// scaling: how each interface is set up to spread its work over CPUs, read from /sys and /proc:
// its queues, the IRQs serving them (matched by name and MSI vector) and their affinity, RPS/RFS
// and XPS masks, and the net.core steering sysctls. Reads files; the name matching is pure.
import { readdirSync, readlinkSync } from 'node:fs';
import { basename } from 'node:path';
import { NetdxError } from '../../core/errors.js';
import { parseCpuList, parseCpuMask } from '../../core/proc/cpus.js';
import type { IrqLine } from '../../core/proc/interrupts.js';
import { readIntOr, readTextOr } from '../../core/proc/read.js';
import { SYS } from '../../core/sysfs.js';

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

function listDir(path: string): string[] {
  try { return readdirSync(path); } catch { return []; }
}

/** Where a sysfs root keeps its network devices. */
export const netDir = (sys: string) => `${sys}/class/net`;

export function onlineCpus(): number[] {
  const t = readTextOr('/sys/devices/system/cpu/online');
  return t ? parseCpuList(t) : [];
}

/** Interface names, optionally only the given ones (an unknown name is a usage error). */
export function listInterfaces(only: readonly string[] = [], sys = SYS): string[] {
  const all = listDir(netDir(sys)).sort();
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

function deviceIds(ifname: string, sys: string): DeviceIds {
  const NET = netDir(sys);
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

function queueIndices(ifname: string, kind: 'rx' | 'tx', sys: string): number[] {
  return listDir(`${netDir(sys)}/${ifname}/queues`)
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
export function readInterface(ifname: string, irqLines: readonly IrqLine[], sys = SYS): InterfaceScaling {
  const NET = netDir(sys);
  const ids = deviceIds(ifname, sys);
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
  const rx: RxQueue[] = queueIndices(ifname, 'rx', sys).map((i) => {
    const base = `${NET}/${ifname}/queues/rx-${i}`;
    const m = maskFile(`${base}/rps_cpus`);
    return { index: i, rps_cpus: m.cpus, rps_mask: m.mask, rps_flow_cnt: readIntOr(`${base}/rps_flow_cnt`), irqs: irqsFor('rx', i) };
  });
  const tx: TxQueue[] = queueIndices(ifname, 'tx', sys).map((i) => {
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
