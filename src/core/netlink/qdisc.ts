// rtnetlink qdiscs: one RTM_GETQDISC dump gives every queueing discipline of a network namespace
// with its statistics (TCA_STATS2: basic bytes/packets, queue drops/overlimits/requeues/backlog/
// qlen), the numbers `tc -s qdisc` prints. A device's own tx_dropped does not count what its
// qdisc dropped: those drops are only here. Parsing takes bytes (tested on a captured dump).
import { NetdxError } from '../errors.js';
import type { NetnsRef } from '../netns.js';
import { attrCString, parseAttrs, parseMessages } from './netlink.js';
import { rtnlDump, rtnlDumpRaw } from './rtnl.js';

export const RTM_NEWQDISC = 36;
export const RTM_GETQDISC = 38;
const TCA_KIND = 1;
const TCA_OPTIONS = 2;
const TCA_STATS2 = 7;
// include/uapi/linux/pkt_sched.h: TCA_TBF_PARMS is struct tc_tbf_qopt { struct tc_ratespec rate,
// peakrate; __u32 limit, buffer, mtu; } (36 bytes), its rate a u32 of bytes/s; TCA_TBF_RATE64
// carries rates of 2^32 bytes/s and more
const TCA_TBF_PARMS = 1;
const TCA_TBF_RATE64 = 4;
// psched ticks are 64 ns (PSCHED_SHIFT 6): tbf's buffer, the time to send a burst at the rate
const PSCHED_TICK_NS = 64;
const TCA_STATS_BASIC = 1;
const TCA_STATS_QUEUE = 3;
const TCA_STATS_PKT64 = 8;
const TCMSG_LEN = 20;
export const TC_H_ROOT = 0xffffffff;
/** The parent of ingress and clsact qdiscs (TC_H_CLSACT is the same value). */
export const TC_H_INGRESS = 0xfffffff1;

/** A queueing discipline with its statistics (what `tc -s qdisc` shows). */
export interface Qdisc {
  ifindex: number;
  /** "8001:", as tc prints handles. */
  handle: string;
  /** "root", "ingress" (also clsact's) or "1:2". */
  parent: string;
  kind: string;
  bytes: number;
  packets: number;
  /** Packets the qdisc dropped (full queue, policing, ...); u32 in the kernel: it wraps. */
  drops: number;
  /** Times the qdisc held a packet back (rate limits): not drops. u32. */
  overlimits: number;
  /** u32. */
  requeues: number;
  /** Packets and bytes queued now. */
  qlen: number;
  backlog: number;
  /** A tbf's shaping, as `tc qdisc show` prints it: the rate, the bucket (burst) and the queue limit. */
  tbf?: { rate_Bps: number; burst: number; limit: number };
}

/** A handle as tc prints it: "8001:", "1:2", "root", "ingress". */
export function tcHandle(h: number): string {
  if (h === TC_H_ROOT) return 'root';
  if (h === TC_H_INGRESS) return 'ingress';
  const major = (h >>> 16).toString(16);
  const minor = h & 0xffff;
  return minor ? `${major}:${minor.toString(16)}` : `${major}:`;
}

/** One RTM_NEWQDISC body (struct tcmsg + attributes). */
export function parseQdiscMessage(body: Buffer): Qdisc {
  if (body.length < TCMSG_LEN) throw new NetdxError('E_NETLINK', `decoding tcmsg: ${body.length} bytes, a message has at least ${TCMSG_LEN}`);
  const attrs = parseAttrs(body, TCMSG_LEN);
  const q: Qdisc = {
    ifindex: body.readInt32LE(4), handle: tcHandle(body.readUInt32LE(8)), parent: tcHandle(body.readUInt32LE(12)),
    kind: attrCString(attrs.get(TCA_KIND)) ?? '?',
    bytes: 0, packets: 0, drops: 0, overlimits: 0, requeues: 0, qlen: 0, backlog: 0,
  };
  const opts = attrs.get(TCA_OPTIONS);
  if (q.kind === 'tbf' && opts) {
    const o = parseAttrs(opts);
    const parms = o.get(TCA_TBF_PARMS);
    if (parms && parms.length >= 36) {
      const r64 = o.get(TCA_TBF_RATE64);
      const rate = r64 && r64.length >= 8 ? Number(r64.readBigUInt64LE(0)) : parms.readUInt32LE(8);
      q.tbf = { rate_Bps: rate, burst: Math.round((rate * parms.readUInt32LE(28) * PSCHED_TICK_NS) / 1e9), limit: parms.readUInt32LE(24) };
    }
  }
  const st = attrs.get(TCA_STATS2);
  if (st) {
    const s = parseAttrs(st);
    // struct gnet_stats_basic { __u64 bytes; __u32 packets; }: the packets past 2^32 come in
    // TCA_STATS_PKT64 (sent only then)
    const basic = s.get(TCA_STATS_BASIC);
    if (basic && basic.length >= 12) { q.bytes = Number(basic.readBigUInt64LE(0)); q.packets = basic.readUInt32LE(8); }
    const p64 = s.get(TCA_STATS_PKT64);
    if (p64 && p64.length >= 8) q.packets = Number(p64.readBigUInt64LE(0));
    // struct gnet_stats_queue { __u32 qlen, backlog, drops, requeues, overlimits; }
    const queue = s.get(TCA_STATS_QUEUE);
    if (queue && queue.length >= 20) {
      q.qlen = queue.readUInt32LE(0); q.backlog = queue.readUInt32LE(4); q.drops = queue.readUInt32LE(8);
      q.requeues = queue.readUInt32LE(12); q.overlimits = queue.readUInt32LE(16);
    }
  }
  return q;
}

/** RTM_NEWQDISC messages of a dump (as received, or as dumpQdiscsRaw() saved them) into Qdiscs. */
export function parseQdiscDump(bytes: Buffer): Qdisc[] {
  return parseMessages(bytes).filter((m) => m.type === RTM_NEWQDISC).map((m) => parseQdiscMessage(m.body));
}

/** Every qdisc of a network namespace (default: the calling thread's), with statistics. */
export function dumpQdiscs(netns?: NetnsRef): Qdisc[] {
  const out: Qdisc[] = [];
  rtnlDump(RTM_GETQDISC, Buffer.alloc(TCMSG_LEN), netns, (m) => {
    if (m.type === RTM_NEWQDISC) out.push(parseQdiscMessage(m.body));
  });
  return out;
}

/** The raw reply of one RTM_GETQDISC dump, for fixtures: parseQdiscDump() of it equals dumpQdiscs(). */
export function dumpQdiscsRaw(netns?: NetnsRef): Buffer {
  return rtnlDumpRaw(RTM_GETQDISC, Buffer.alloc(TCMSG_LEN), netns);
}

/**
 * The two trees of one interface: the egress root and the ingress (or clsact) qdisc. A root's
 * counters already hold its children's: a classful parent (htb, tbf with its inner fifo, prio,
 * ...) counts a packet its child dropped as its own drop, and mq/mqprio report the sum of their
 * per-queue children. So an interface's qdisc drops are root + ingress, never the sum of every
 * qdisc (that counts a child's drops twice).
 */
export interface LinkQdiscs {
  root?: Qdisc;
  /** ingress or clsact: its drops are tc filters' drop verdicts (clsact: both directions). */
  ingress?: Qdisc;
}

/** The root and ingress qdiscs of each interface, by ifindex. */
export function qdiscsByLink(qdiscs: readonly Qdisc[]): Map<number, LinkQdiscs> {
  const out = new Map<number, LinkQdiscs>();
  for (const q of qdiscs) {
    if (q.parent !== 'root' && q.parent !== 'ingress') continue;
    const l = out.get(q.ifindex) ?? {};
    if (q.parent === 'root') l.root = q; else l.ingress = q;
    out.set(q.ifindex, l);
  }
  return out;
}
