// qdisclat as a library: how long packets wait in each qdisc per interval (count, total, max and a
// log2 histogram, aggregated in the kernel), beside the qdisc's own statistics over the same
// interval from netlink (what `tc -s qdisc` shows: sent, drops, overlimits, requeues, backlog).
// The doctor and tests call startQdiscLat() and sample(); cli.ts only renders.
import type { BpfObject } from '../../core/bpf/object.js';
import type { CommonFilter } from '../../core/kit/filter.js';
import { devNetns, devRodata, devSpec, devVariants, type DevOptions, type DevVia } from '../../core/kit/dev.js';
import { startInterval, type IntervalProbe, type IntervalSpec } from '../../core/kit/interval.js';
import { drainAggregates } from '../../core/kit/sockio.js';
import { log2Buckets, type Histogram } from '../../core/hist.js';
import { dumpLinks } from '../../core/netlink/rtnl.js';
import { dumpQdiscs, tcHandle, type Qdisc } from '../../core/netlink/qdisc.js';
import { qdisclat_key, qdisclat_val } from './qdisclat.h.js';

/** A qdisc's own counters over the interval (netlink's TCA_STATS2), and its queue now. */
export interface QdiscCounters {
  /** Packets it sent (dequeued). */
  sent: number;
  drops: number;
  /** Times it held a packet back (a rate limit): not drops. */
  overlimits: number;
  requeues: number;
  /** Bytes and packets queued at the end of the interval. */
  backlog: number;
  qlen: number;
}

export interface QdiscLatStat {
  netns: number;
  dev: string;
  ifindex: number;
  /** tbf, fq_codel, pfifo_fast, ... */
  kind: string;
  /** As tc prints them: "8001:", "root", "1:2". */
  handle: string;
  parent: string;
  /** Packets dequeued whose wait is known. */
  packets: number;
  /** Packets dequeued whose enqueue was not seen (queued before tracing began). */
  untimed: number;
  total_ns: number;
  max_ns: number;
  /** Each packet's wait ('usecs', or 'msecs' with milliseconds). */
  hist: Histogram;
  /** The qdisc's own counters (as tc -s qdisc); null for the qdiscs of other namespaces than the one read. */
  stats: QdiscCounters | null;
}

export interface QdiscLatReport {
  seconds: number;
  /** By namespace, interface, handle. */
  qdiscs: QdiscLatStat[];
}

export interface QdiscLatOptions extends DevOptions {
  /** The histogram in ms, not µs. */
  milliseconds?: boolean;
}

/** The qdiscs of the namespace read (--netns's or netdx's own; -I's interface only), by ifindex/handle/parent. */
function snapshot(o: QdiscLatOptions): { inode: number; qdiscs: Map<string, Qdisc> } {
  const ns = devNetns(o);
  const only = devRodata(o).filter_ifindex;
  const qdiscs = new Map<string, Qdisc>();
  for (const q of dumpQdiscs(ns)) if (!only || q.ifindex === only) qdiscs.set(`${q.ifindex}/${q.handle}/${q.parent}`, q);
  return { inode: ns.inode, qdiscs };
}

/** Each probe's last snapshot, for the next interval's deltas. */
const last = new WeakMap<BpfObject, Map<string, Qdisc>>();

// u32 counters in the kernel wrap; a qdisc new in the interval counts from zero
const u32 = (now: number, before: number | undefined) => (now - (before ?? 0) + 2 ** 32) % 2 ** 32;

function counters(q: Qdisc, before: Qdisc | undefined): QdiscCounters {
  return {
    sent: q.packets - (before && before.packets <= q.packets ? before.packets : 0), drops: u32(q.drops, before?.drops),
    overlimits: u32(q.overlimits, before?.overlimits), requeues: u32(q.requeues, before?.requeues), backlog: q.backlog, qlen: q.qlen,
  };
}

const moved = (c: QdiscCounters) => c.sent + c.drops + c.overlimits + c.requeues + c.backlog > 0;

export const QDISCLAT: IntervalSpec<QdiscLatReport, QdiscLatOptions> = devSpec('qdisclat', ['enqueue', 'dequeue'], (obj, seconds, o) => {
  const opts = o ?? {};
  const unit = opts.milliseconds ? 'msecs' : 'usecs';
  const qdiscs: QdiscLatStat[] = drainAggregates(obj, 'lat', qdisclat_key, qdisclat_val).map(({ k, v }) => ({
    netns: k.netns, dev: v.dev, ifindex: k.ifindex, kind: v.kind, handle: tcHandle(k.handle), parent: tcHandle(k.parent),
    packets: v.count, untimed: v.untimed, total_ns: v.total_ns, max_ns: v.max_ns, hist: { unit, buckets: log2Buckets(v.slots) }, stats: null,
  }));
  const before = last.get(obj);
  const now = snapshot(opts);
  last.set(obj, now.qdiscs);
  const seen = new Set<string>();
  for (const r of qdiscs) {
    const id = `${r.ifindex}/${r.handle}/${r.parent}`;
    const q = r.netns === now.inode ? now.qdiscs.get(id) : undefined;
    if (q) { r.stats = counters(q, before?.get(id)); seen.add(id); }
  }
  // qdiscs that dropped, held back or queued without a packet timed: rows of their own
  let names: Map<number, string> | undefined;
  for (const [id, q] of now.qdiscs) {
    const c = counters(q, before?.get(id));
    if (seen.has(id) || !moved(c)) continue;
    names ??= new Map(dumpLinks(devNetns(opts)).map((l) => [l.ifindex, l.name]));
    qdiscs.push({
      netns: now.inode, dev: names.get(q.ifindex) ?? String(q.ifindex), ifindex: q.ifindex, kind: q.kind, handle: q.handle, parent: q.parent,
      packets: 0, untimed: 0, total_ns: 0, max_ns: 0, hist: { unit, buckets: [] }, stats: c,
    });
  }
  qdiscs.sort((a, b) => a.netns - b.netns || a.ifindex - b.ifindex || a.handle.localeCompare(b.handle) || a.parent.localeCompare(b.parent));
  return { seconds, qdiscs };
}, {
  // tp_btf first: the qdisc's, device's and skb's fields by plain loads there (bench/packets)
  variants: devVariants('qdisclat', ['enqueue', 'dequeue'], true),
  rodata: (o) => ({ hist_div: o.milliseconds ? 1_000_000 : 1000 }),
  started: (obj, o) => { last.set(obj, snapshot(o ?? {}).qdiscs); },
});

/** Starts timing (attached when this returns); sample() reads and resets one interval. */
export function startQdiscLat(filter: CommonFilter = {}, opts: QdiscLatOptions & { via?: DevVia } = {}): IntervalProbe<QdiscLatReport, QdiscLatOptions> {
  return startInterval(QDISCLAT, { filter, options: opts, via: opts.via });
}
