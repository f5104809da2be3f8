// ifstat as a library: sampleLinks() takes a timestamped snapshot of every interface's counters
// and of its qdiscs (two rtnetlink dumps) plus its speed; linkRates() turns two snapshots into
// per-second rates, utilisation and saturation; RateAverager sums reports into sar's Average.
// linkRates is pure, so the doctor can reuse it on its own samples.
import { dumpLinks, type Duplex, type Link, type LinkStatName, type LinkStats64 } from '../../core/netlink/rtnl.js';
import { dumpQdiscs, qdiscsByLink, type LinkQdiscs, type Qdisc } from '../../core/netlink/qdisc.js';
import { EthtoolSocket, queryLinkSettings } from '../../core/ethtool.js';
import type { NetnsRef } from '../../core/netns.js';

export interface LinkSample {
  ifindex: number;
  name: string;
  kind?: string;
  operstate: string;
  speedMbps?: number;
  duplex: Duplex;
  stats: LinkStats64;
  /** The interface's root (egress) and ingress/clsact qdiscs, when it has any. */
  qdisc?: LinkQdiscs;
}

export interface Sample {
  /** Monotonic milliseconds (performance.now()) when the dump was taken. */
  tMs: number;
  links: LinkSample[];
}

export function toLinkSample(l: Link, speed: { speedMbps?: number; duplex: Duplex }, qdisc?: LinkQdiscs): LinkSample {
  return {
    ifindex: l.ifindex, name: l.name, ...(l.kind ? { kind: l.kind } : {}), operstate: l.operstate,
    ...(speed.speedMbps !== undefined ? { speedMbps: speed.speedMbps } : {}), duplex: speed.duplex,
    stats: l.stats ?? {}, ...(qdisc ? { qdisc } : {}),
  };
}

/**
 * One snapshot of every interface of a network namespace (default: this thread's; names filter
 * when given; unknown names are left to the caller). Speed and duplex come from the ethtool
 * ioctl on a socket of that namespace: /sys/class/net answers for the namespace /sys was mounted
 * in, which under nsenter, or for --netns, is not this one.
 */
export function sampleLinks(names?: readonly string[], netns?: NetnsRef): Sample {
  const links = dumpLinks(netns).filter((l) => !names || names.length === 0 || names.includes(l.name));
  const tMs = performance.now();
  const qdiscs = qdiscsByLink(dumpQdiscs(netns));
  const sock = new EthtoolSocket(netns);
  try {
    return { tMs, links: links.map((l) => toLinkSample(l, speedOf(sock, l.name), qdiscs.get(l.ifindex))) };
  } finally {
    sock.close();
  }
}

function speedOf(sock: EthtoolSocket, ifname: string): { speedMbps?: number; duplex: Duplex } {
  const r = queryLinkSettings(sock, ifname);
  return r.ok && r.settings ? { ...(r.settings.speedMbps !== undefined ? { speedMbps: r.settings.speedMbps } : {}), duplex: r.settings.duplex }
    : { duplex: 'unknown' };
}

/** Per-interval figures for one interface; counts are per second unless named otherwise. */
export interface LinkRates {
  name: string;
  ifindex: number;
  kind?: string;
  operstate: string;
  seconds: number;
  rx_pps: number;
  tx_pps: number;
  /** Bytes per second. */
  rx_Bps: number;
  tx_Bps: number;
  /** Average packet size in bytes over the interval (0 when no packets). */
  rx_avg: number;
  tx_avg: number;
  speed_mbps?: number;
  duplex: Duplex;
  /** nicstat's %Util: full duplex max(rx,tx), otherwise (rx+tx), against speed; absent when unknown. */
  util_pct?: number;
  /** nicstat's Sat per second: rx errors + rx drops (incl. missed) + tx drops, fifo, collisions, carrier. */
  sat: number;
  rx_errors: number;
  tx_errors: number;
  rx_dropped: number;
  tx_dropped: number;
  rx_fifo: number;
  tx_fifo: number;
  rx_over: number;
  rx_missed: number;
  rx_nohandler: number;
  tx_carrier: number;
  collisions: number;
  /** Packets the interface's qdiscs dropped per second (root tree + ingress/clsact); tx_dropped lacks them. */
  qdisc_drops: number;
  /** Raw counter deltas over the interval (exact; for tests and the doctor). */
  delta: Partial<Record<LinkStatName, number>>;
  /** The qdiscs' exact counter changes over the interval; absent when the interface has no qdisc. */
  qdisc?: QdiscDelta;
}

/**
 * An interface's qdisc counters over an interval: those of its root qdisc (which hold its
 * children's) and, for drops, its ingress/clsact qdisc's too.
 */
export interface QdiscDelta {
  /** The root qdisc's kind (tbf, fq_codel, mq, noqueue, ...); absent with only an ingress qdisc. */
  kind?: string;
  /** Root + ingress drops. */
  drops: number;
  /** Of those, the ingress/clsact qdisc's (tc filters' drops); present when it exists. */
  ingress_drops?: number;
  overlimits: number;
  requeues: number;
  /** Bytes and packets the root qdisc sent. */
  bytes: number;
  packets: number;
  /** Queued in the root qdisc at the end of the interval (gauges; averages in RateAverager). */
  backlog_bytes: number;
  qlen: number;
}

const QDISC_COUNTERS = ['drops', 'overlimits', 'requeues', 'bytes', 'packets'] as const;
type QdiscCounter = (typeof QDISC_COUNTERS)[number];

/** One qdisc's counter change: a new qdisc (another kind or handle) counts from zero; the u32
 *  counters (drops, overlimits, requeues) wrap. */
function qdiscCounterDelta(p: Qdisc | undefined, c: Qdisc, k: QdiscCounter): number {
  if (!p || p.kind !== c.kind || p.handle !== c.handle) return c[k];
  if (c[k] >= p[k]) return c[k] - p[k];
  return k === 'bytes' || k === 'packets' ? c[k] : c[k] + 2 ** 32 - p[k];
}

function qdiscDelta(prev: LinkQdiscs | undefined, cur: LinkQdiscs | undefined): QdiscDelta | undefined {
  if (!cur?.root && !cur?.ingress) return undefined;
  const root = cur.root;
  const d = (k: QdiscCounter) => (root ? qdiscCounterDelta(prev?.root, root, k) : 0);
  const ingress = cur.ingress ? qdiscCounterDelta(prev?.ingress, cur.ingress, 'drops') : undefined;
  return {
    ...(root ? { kind: root.kind } : {}),
    drops: d('drops') + (ingress ?? 0),
    ...(ingress !== undefined ? { ingress_drops: ingress } : {}),
    overlimits: d('overlimits'), requeues: d('requeues'), bytes: d('bytes'), packets: d('packets'),
    backlog_bytes: root?.backlog ?? 0, qlen: root?.qlen ?? 0,
  };
}

function deltas(prev: LinkStats64, cur: LinkStats64): Partial<Record<LinkStatName, number>> {
  const d: Partial<Record<LinkStatName, number>> = {};
  for (const k of Object.keys(cur) as LinkStatName[]) {
    const c = cur[k]!;
    const p = prev[k] ?? 0n;
    // Counters only go down when the device was re-created or its driver resets them: count
    // from zero then, rather than show a huge wrapped number.
    d[k] = Number(c >= p ? c - p : c);
  }
  return d;
}

/**
 * Rates between two samples of one interface over `seconds`. With `prev` undefined the counters
 * are taken from zero (since-boot/creation averages over `seconds`).
 */
export function linkRates(prev: LinkSample | undefined, cur: LinkSample, seconds: number): LinkRates {
  return ratesOf(cur, deltas(prev?.stats ?? {}, cur.stats), qdiscDelta(prev?.qdisc, cur.qdisc), seconds);
}

/** The interface as a sample describes it, without its counters. */
type LinkMeta = Omit<LinkSample, 'stats' | 'qdisc'>;

/** Rates from exact counter changes `d` (and `q`) over `seconds`. */
function ratesOf(cur: LinkMeta, d: Partial<Record<LinkStatName, number>>, q: QdiscDelta | undefined, seconds: number): LinkRates {
  const s = seconds > 0 ? seconds : 1;
  const g = (k: LinkStatName) => d[k] ?? 0;
  const per = (n: number) => n / s;
  const rxB = per(g('rx_bytes'));
  const txB = per(g('tx_bytes'));
  const r: LinkRates = {
    name: cur.name, ifindex: cur.ifindex, ...(cur.kind ? { kind: cur.kind } : {}), operstate: cur.operstate, seconds,
    rx_pps: per(g('rx_packets')), tx_pps: per(g('tx_packets')),
    rx_Bps: rxB, tx_Bps: txB,
    rx_avg: g('rx_packets') > 0 ? g('rx_bytes') / g('rx_packets') : 0,
    tx_avg: g('tx_packets') > 0 ? g('tx_bytes') / g('tx_packets') : 0,
    ...(cur.speedMbps !== undefined ? { speed_mbps: cur.speedMbps } : {}),
    duplex: cur.duplex,
    // As /proc/net/dev columns: drop = rx_dropped + rx_missed_errors, carrier = the four tx
    // line errors; Sat = errs + drop (rx) + drop + fifo + colls + carrier (tx), as nicstat.
    sat: per(g('rx_errors') + g('rx_dropped') + g('rx_missed_errors') + g('tx_dropped') + g('tx_fifo_errors')
      + g('collisions') + g('tx_carrier_errors') + g('tx_aborted_errors') + g('tx_window_errors') + g('tx_heartbeat_errors')),
    rx_errors: per(g('rx_errors')), tx_errors: per(g('tx_errors')),
    rx_dropped: per(g('rx_dropped')), tx_dropped: per(g('tx_dropped')),
    rx_fifo: per(g('rx_fifo_errors')), tx_fifo: per(g('tx_fifo_errors')),
    rx_over: per(g('rx_over_errors')), rx_missed: per(g('rx_missed_errors')),
    rx_nohandler: per(g('rx_nohandler')), tx_carrier: per(g('tx_carrier_errors')),
    collisions: per(g('collisions')),
    qdisc_drops: per(q?.drops ?? 0),
    delta: d,
    ...(q ? { qdisc: q } : {}),
  };
  if (cur.speedMbps !== undefined && cur.speedMbps > 0) {
    const bps = cur.speedMbps * 1e6;
    const pct = (bytesPerSec: number) => Math.min(100, (bytesPerSec * 8 * 100) / bps);
    r.util_pct = cur.duplex === 'full' ? Math.max(pct(rxB), pct(txB)) : pct(rxB + txB);
  }
  return r;
}

/** Rates for every interface present in `cur` (interfaces new since `prev` count from zero). */
export function sampleRates(prev: Sample | undefined, cur: Sample, seconds?: number): LinkRates[] {
  const byIndex = new Map(prev?.links.map((l) => [l.ifindex, l]) ?? []);
  const s = seconds ?? (prev ? (cur.tMs - prev.tMs) / 1000 : 1);
  return cur.links.map((l) => {
    const p = byIndex.get(l.ifindex);
    return linkRates(p && p.name === l.name ? p : undefined, l, s);
  });
}

/** Seconds since boot, from the text of /proc/uptime. */
export function parseUptime(text: string): number {
  const n = Number(text.trim().split(/\s+/)[0]);
  return Number.isFinite(n) && n > 0 ? n : 1;
}

interface LinkTotals {
  meta: LinkMeta;
  d: Partial<Record<LinkStatName, number>>;
  q?: QdiscDelta;
  /** Reports that had a qdisc (for the mean of its gauges). */
  qReports: number;
}

/**
 * sar's Average: each interface's counter changes summed over the reports added, over their
 * total seconds (an interface seen in fewer reports is averaged over all of them too). The
 * qdisc's backlog and qlen, gauges, are the mean of the values at the reports' ends.
 */
export class RateAverager {
  private seconds = 0;
  private readonly links = new Map<string, LinkTotals>();

  /** One report: every interface's rates over `seconds` (add them before any filtering). */
  add(rows: readonly LinkRates[], seconds: number): void {
    this.seconds += seconds;
    for (const r of rows) {
      const key = `${r.ifindex}/${r.name}`;
      const t = this.links.get(key) ?? { meta: metaOf(r), d: {}, qReports: 0 };
      t.meta = metaOf(r);
      for (const [k, v] of Object.entries(r.delta) as Array<[LinkStatName, number]>) t.d[k] = (t.d[k] ?? 0) + v;
      if (r.qdisc) {
        const q = t.q ?? { drops: 0, overlimits: 0, requeues: 0, bytes: 0, packets: 0, backlog_bytes: 0, qlen: 0 };
        for (const k of [...QDISC_COUNTERS, 'backlog_bytes', 'qlen'] as const) q[k] += r.qdisc[k];
        if (r.qdisc.ingress_drops !== undefined) q.ingress_drops = (q.ingress_drops ?? 0) + r.qdisc.ingress_drops;
        if (r.qdisc.kind !== undefined) q.kind = r.qdisc.kind;
        t.q = q;
        t.qReports++;
      }
      this.links.set(key, t);
    }
  }

  /** The Average rows, in the order the interfaces were first seen. */
  rows(): LinkRates[] {
    return [...this.links.values()].map((t) => ratesOf(t.meta, t.d,
      t.q && { ...t.q, backlog_bytes: t.q.backlog_bytes / t.qReports, qlen: t.q.qlen / t.qReports }, this.seconds));
  }
}

function metaOf(r: LinkRates): LinkMeta {
  return {
    ifindex: r.ifindex, name: r.name, ...(r.kind ? { kind: r.kind } : {}), operstate: r.operstate,
    ...(r.speed_mbps !== undefined ? { speedMbps: r.speed_mbps } : {}), duplex: r.duplex,
  };
}
