// superping as a library: kernel-timed ICMP and ICMPv6 echo round trips (any pinger's), from the
// request handed to a device to its reply delivered by one. SUPERPING gives one event per reply;
// SUPERPING_HIST loads the same object in its histogram mode (rodata hist_mode: no events) and
// reads per-destination statistics and log2 histograms per interval.
import { formatAddr } from '../../core/addr.js';
import { structDecoder } from '../../core/bpf/struct.js';
import { log2Buckets, type Histogram } from '../../core/hist.js';
import type { EventSpec } from '../../core/kit/events.js';
import type { IntervalSpec } from '../../core/kit/interval.js';
import type { ProbeSpec } from '../../core/kit/load.js';
import { superping_dest, superping_event, superping_stats } from './superping.h.js';

export interface PingEvent {
  /** The reply's arrival (CLOCK_MONOTONIC ns). */
  ts_ns: number;
  netns: number;
  family: 4 | 6;
  /** The destination pinged (the reply's source). */
  daddr: string;
  /** The address the reply came to. */
  laddr: string;
  /** The device the reply came in on. */
  dev: string;
  ifindex: number;
  /** Echo identifier (a ping socket's is its local "port"; iputils' raw ping picks one). */
  id: number;
  seq: number;
  /** The reply's TTL (IPv6: hop limit). */
  ttl: number;
  /** Request handed to the device to reply delivered by a device, µs. */
  rtt_us: number;
}

export interface PingDest {
  netns: number;
  family: 4 | 6;
  daddr: string;
  /** Replies matched in the interval. */
  count: number;
  min_us: number;
  avg_us: number;
  max_us: number;
  /** Each RTT in µs. */
  hist: Histogram;
}

export interface PingReport {
  seconds: number;
  /** By namespace, family, address. */
  dests: PingDest[];
}

const fam = (f: number): 4 | 6 => (f === 10 ? 6 : 4);
const us = (ns: number) => Math.round(ns / 10) / 100;

const ev = structDecoder(superping_event);
const dest = structDecoder(superping_dest);
const stats = structDecoder(superping_stats);
const view = (b: Buffer) => new DataView(b.buffer, b.byteOffset, b.length);

/** The object both modes load: tp_btf first (the route verified here), raw_tp and the classic tracepoint after. */
const OBJECT = {
  object: 'superping',
  hooks: ['raw_tracepoint', 'ringbuf'],
  filters: ['family', 'netns'],
  variants: (['btf', 'raw', 'tp'] as const).map((k) => ({
    via: { raw: 'raw_tp', tp: 'tracepoint', btf: 'tp_btf' }[k], programs: [`superping_tx_${k}`, `superping_rx_${k}`],
  })),
} as const satisfies Pick<ProbeSpec, 'object' | 'hooks' | 'filters' | 'variants'>;

export const SUPERPING: EventSpec<PingEvent> = {
  name: 'superping',
  ...OBJECT,
  decode(dv, off) {
    const r = ev(dv, off);
    const family = fam(r.family);
    return {
      ts_ns: r.ts_ns, netns: r.netns, family, daddr: formatAddr(family, r.addr), laddr: formatAddr(family, r.laddr),
      dev: r.dev, ifindex: r.ifindex, id: r.id, seq: r.seq, ttl: r.ttl, rtt_us: us(r.rtt_ns),
    };
  },
};

export const SUPERPING_HIST: IntervalSpec<PingReport> = {
  name: 'superping',
  ...OBJECT,
  rodata: () => ({ hist_mode: true }),
  // no events in histogram mode: the smallest ring
  sizes: () => ({ events: 4096 }),
  collect(obj, seconds) {
    const dests = obj.map('stats').drain().map(([kb, vb]): PingDest => {
      const k = dest(view(kb), 0);
      const s = stats(view(vb), 0);
      const family = fam(k.family);
      return {
        netns: k.netns, family, daddr: formatAddr(family, k.addr), count: s.count,
        min_us: us(s.min_ns), avg_us: us(s.total_ns / s.count), max_us: us(s.max_ns),
        hist: { unit: 'usecs', buckets: log2Buckets(s.slots) },
      };
    });
    dests.sort((a, b) => a.netns - b.netns || a.family - b.family || a.daddr.localeCompare(b.daddr, 'en', { numeric: true }));
    return { seconds, dests };
  },
};
