// tcpconnlat as a library: the latency of active TCP opens that succeed (connect() to
// ESTABLISHED, SYN_SENT -> ESTABLISHED), as log2 histograms in µs aggregated in the kernel and read
// per interval. It loads tcpconnect's BPF object in its histogram mode (hist_mode: no events), so
// the two tools share one program: the kit loads an object by name, whichever tool asks.
import { log2Buckets, totalCount, type Histogram } from '../../core/hist.js';
import type { IntervalSpec } from '../../core/kit/interval.js';
import { TCPCONNECT_OBJECT } from '../../core/kit/tcpstate.js';

export interface ConnLatHist {
  /** The remote port, with perPort; 0 for every connect otherwise. */
  port: number;
  /** Connects that succeeded in the interval. */
  count: number;
  /** Their latencies, µs ('usecs'). */
  hist: Histogram;
}

export interface ConnLatReport {
  seconds: number;
  /** By port (one entry, port 0, without perPort); none when no connect succeeded. */
  hists: ConnLatHist[];
}

export interface ConnLatOptions {
  /** One histogram per remote port (the CLI's -P). */
  perPort?: boolean;
}

/** Slots of struct netdx_hist (bpf/include/netdx.h: NETDX_MAX_SLOTS u32 counts). */
const SLOTS = 27;

export const TCPCONNLAT: IntervalSpec<ConnLatReport, ConnLatOptions> = {
  name: 'tcpconnlat',
  ...TCPCONNECT_OBJECT,
  rodata: (o) => ({ hist_mode: true, hist_per_port: !!o.perPort }),
  // no events in histogram mode: the smallest ring
  sizes: () => ({ events: 4096 }),
  collect(obj, seconds) {
    const hists = obj.map('lat_hist').drain().map(([k, v]) => {
      const slots = Array.from({ length: SLOTS }, (_, i) => v.readUInt32LE(4 * i));
      const hist: Histogram = { unit: 'usecs', buckets: log2Buckets(slots) };
      return { port: k.readUInt32LE(0), count: totalCount(hist), hist };
    });
    hists.sort((a, b) => a.port - b.port);
    return { seconds, hists };
  },
};
