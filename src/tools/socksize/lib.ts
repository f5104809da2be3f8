// socksize as a library: the size of each socket send and receive, as log2 histograms per process
// and direction aggregated in the kernel and read per interval. The doctor and exporters call
// startSocksize() and sample(); cli.ts only renders.
import { log2Buckets, type Histogram } from '../../core/hist.js';
import { startInterval, type IntervalProbe, type IntervalSpec } from '../../core/kit/interval.js';
import type { LoadOptions } from '../../core/kit/load.js';
import { drainAggregates, sockioSpec, type SockioVia } from '../../core/kit/sockio.js';
import { socksize_key, socksize_val } from './socksize.h.js';

export interface SockSizeStat {
  pid: number;
  comm: string;
  dir: 'send' | 'recv';
  /** Calls that moved data, or read an end of stream (0 bytes); not failed calls or peeks. */
  calls: number;
  bytes: number;
  /** Each call's bytes ('bytes'). */
  hist: Histogram;
}

export interface SockSizeReport {
  seconds: number;
  /** Most bytes first. */
  sizes: SockSizeStat[];
}

export const SOCKSIZE: IntervalSpec<SockSizeReport> = sockioSpec('socksize', (obj, seconds) => {
  const sizes = drainAggregates(obj, 'sizes', socksize_key, socksize_val).map(({ k, v }): SockSizeStat => ({
    pid: k.pid, comm: v.comm, dir: k.recv ? 'recv' : 'send', calls: v.calls, bytes: v.bytes,
    hist: { unit: 'bytes', buckets: log2Buckets(v.slots) },
  }));
  sizes.sort((a, b) => b.bytes - a.bytes || a.pid - b.pid || a.dir.localeCompare(b.dir));
  return { seconds, sizes };
});

/** Starts aggregating (attached when this returns); sample() reads and resets one interval. */
export function startSocksize(opts: LoadOptions & { via?: SockioVia } = {}): IntervalProbe<SockSizeReport> {
  return startInterval(SOCKSIZE, opts);
}
