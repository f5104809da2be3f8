// netsize as a library: the sizes of the packets each device receives and transmits, per
// interval, as log2 histograms of their length (transmit: from the link-layer header; receive:
// from the network header), aggregated in the kernel. The doctor and tests call startNetSize()
// and sample(); cli.ts only renders.
import type { CommonFilter } from '../../core/kit/filter.js';
import { devSpec, devVariants, type DevOptions, type DevVia } from '../../core/kit/dev.js';
import { startInterval, type IntervalProbe, type IntervalSpec } from '../../core/kit/interval.js';
import { drainAggregates } from '../../core/kit/sockio.js';
import { log2Buckets, type Histogram } from '../../core/hist.js';
import { netsize_key, netsize_val } from './netsize.h.js';

export interface NetSizeStat {
  netns: number;
  dev: string;
  ifindex: number;
  dir: 'rx' | 'tx';
  /** Packets as the stack handed them over: a GSO/GRO packet once. */
  packets: number;
  /** Their lengths summed: tx from the link-layer header, rx from the network header. */
  bytes: number;
  /** The segments those packets stand for (more than packets under GSO/GRO). */
  segs: number;
  /** Each packet's length, in bytes. */
  hist: Histogram;
}

export interface NetSizeReport {
  seconds: number;
  /** By namespace, interface, then rx before tx. */
  sizes: NetSizeStat[];
}

// tp_btf first: the packet's and device's fields are plain loads there (~2x cheaper a packet)
export const NETSIZE: IntervalSpec<NetSizeReport, DevOptions> = devSpec('netsize', ['rx', 'tx'], (obj, seconds) => {
  const sizes: NetSizeStat[] = drainAggregates(obj, 'sizes', netsize_key, netsize_val).map(({ k, v }) => ({
    netns: k.netns, dev: v.dev, ifindex: k.ifindex, dir: k.dir === 1 ? 'tx' as const : 'rx' as const,
    packets: v.packets, bytes: v.bytes, segs: v.segs, hist: { unit: 'bytes', buckets: log2Buckets(v.slots) },
  }));
  sizes.sort((a, b) => a.netns - b.netns || a.ifindex - b.ifindex || a.dir.localeCompare(b.dir));
  return { seconds, sizes };
}, { variants: devVariants('netsize', ['rx', 'tx'], true), hooks: ['tp_btf'] });

/** Starts counting (attached when this returns); sample() reads and resets one interval. */
export function startNetSize(filter: CommonFilter = {}, opts: DevOptions & { via?: DevVia } = {}): IntervalProbe<NetSizeReport, DevOptions> {
  return startInterval(NETSIZE, { filter, options: opts, via: opts.via });
}
