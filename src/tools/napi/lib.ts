// napi as a library: NAPI polls per device and CPU (napi:napi_poll), with the packets they handled,
// how many used their whole budget (the device had more waiting: the cause of softnet_stat's
// time_squeeze when the softirq's budget then runs out) and a log2 histogram of work per poll,
// aggregated in the kernel and read per interval. The doctor and tests call startNapi() and
// sample(); cli.ts only renders.
import type { CommonFilter } from '../../core/kit/filter.js';
import { devRodata, devVariants, type DevOptions, type DevVia } from '../../core/kit/dev.js';
import { drainAggregates } from '../../core/kit/sockio.js';
import { log2Buckets, type Histogram } from '../../core/hist.js';
import { startInterval, type IntervalProbe, type IntervalSpec } from '../../core/kit/interval.js';
import { napi_key, napi_val } from './napi.h.js';

export interface NapiStat {
  /** The device's namespace inode; 0 for the backlog. */
  netns: number;
  /** The device's name, or 'backlog' for the per-CPU backlog NAPI (netif_rx: RPS, loopback, veth without NAPI). */
  dev: string;
  ifindex: number;
  cpu: number;
  polls: number;
  /** Packets the polls handled. */
  work: number;
  /** Polls whose work reached their budget. */
  exhausted: number;
  /** The budget of the last poll (64 unless busy polling). */
  budget: number;
  /** Work per poll ('packets'). */
  hist: Histogram;
}

export interface NapiReport {
  seconds: number;
  /** By namespace, ifindex (the backlog first), CPU. */
  napi: NapiStat[];
}

export const NAPI: IntervalSpec<NapiReport, DevOptions> = {
  name: 'napi',
  object: 'napi',
  hooks: ['tp_btf'],
  filters: ['netns'],
  // tp_btf first: the napi's and device's fields are plain loads there
  variants: devVariants('napi', ['poll'], true),
  rodata: (o) => devRodata(o),
  collect(obj, seconds) {
    const napi: NapiStat[] = drainAggregates(obj, 'polls', napi_key, napi_val).map(({ k, v }) => ({
      netns: k.netns, dev: k.ifindex ? v.dev : 'backlog', ifindex: k.ifindex, cpu: k.cpu, polls: v.polls, work: v.work,
      exhausted: v.exhausted, budget: v.budget, hist: { unit: 'packets', buckets: log2Buckets(v.slots) },
    }));
    napi.sort((a, b) => a.netns - b.netns || a.ifindex - b.ifindex || a.cpu - b.cpu);
    return { seconds, napi };
  },
};

/** Starts counting (attached when this returns); sample() reads and resets one interval. */
export function startNapi(filter: CommonFilter = {}, opts: DevOptions & { via?: DevVia } = {}): IntervalProbe<NapiReport, DevOptions> {
  return startInterval(NAPI, { filter, options: opts, via: opts.via });
}
