// nettxlat as a library: how long each device's driver takes per packet (net_dev_start_xmit to
// net_dev_xmit), per interval: count, total, max, a log2 histogram and the drivers' return codes,
// aggregated in the kernel. The doctor and tests call startNetTxLat() and sample(); cli.ts only
// renders.
import type { CommonFilter } from '../../core/kit/filter.js';
import { devSpec, devVariants, type DevOptions, type DevVia } from '../../core/kit/dev.js';
import { startInterval, type IntervalProbe, type IntervalSpec } from '../../core/kit/interval.js';
import { drainAggregates } from '../../core/kit/sockio.js';
import { log2Buckets, type Histogram } from '../../core/hist.js';
import { nettxlat_key, nettxlat_val } from './nettxlat.h.js';

export interface NetTxLatStat {
  netns: number;
  dev: string;
  ifindex: number;
  /** Packets the driver returned from. */
  count: number;
  total_ns: number;
  max_ns: number;
  /** By the driver's return: NETDEV_TX_OK, NETDEV_TX_BUSY (requeued), anything else. */
  ok: number;
  busy: number;
  failed: number;
  /** Each packet's time in the driver ('usecs', or 'nsecs' with nanoseconds). */
  hist: Histogram;
}

export interface NetTxLatReport {
  seconds: number;
  /** By namespace, then interface. */
  devices: NetTxLatStat[];
}

export interface NetTxLatOptions extends DevOptions {
  /** The histogram in ns, not µs. */
  nanoseconds?: boolean;
}

// tp_btf first: the device's fields are plain loads there
export const NETTXLAT: IntervalSpec<NetTxLatReport, NetTxLatOptions> = devSpec('nettxlat', ['start', 'xmit'], (obj, seconds, o) => {
  const unit = o?.nanoseconds ? 'nsecs' : 'usecs';
  const devices: NetTxLatStat[] = drainAggregates(obj, 'lat', nettxlat_key, nettxlat_val).map(({ k, v }) => ({
    netns: k.netns, dev: v.dev, ifindex: k.ifindex, count: v.count, total_ns: v.total_ns, max_ns: v.max_ns,
    ok: v.ok, busy: v.busy, failed: v.failed, hist: { unit, buckets: log2Buckets(v.slots) },
  }));
  devices.sort((a, b) => a.netns - b.netns || a.ifindex - b.ifindex);
  return { seconds, devices };
}, { rodata: (o) => ({ hist_div: o.nanoseconds ? 1 : 1000 }), variants: devVariants('nettxlat', ['start', 'xmit'], true), hooks: ['tp_btf'] });

/** Starts timing (attached when this returns); sample() reads and resets one interval. */
export function startNetTxLat(filter: CommonFilter = {}, opts: NetTxLatOptions & { via?: DevVia } = {}): IntervalProbe<NetTxLatReport, NetTxLatOptions> {
  return startInterval(NETTXLAT, { filter, options: opts, via: opts.via });
}
