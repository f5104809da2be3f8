// tcprtt as a library: the smoothed RTT (srtt) of each received TCP segment's socket, aggregated
// in the kernel as log2 histograms (in total, per remote address or per local port) and read per
// interval. The doctor and tests call startTcpRtt() and sample(); cli.ts only renders.
import { formatAddr } from '../../core/addr.js';
import { structDecoder } from '../../core/bpf/struct.js';
import { NetdxError } from '../../core/errors.js';
import { log2Buckets, type Histogram } from '../../core/hist.js';
import type { CommonFilter } from '../../core/kit/filter.js';
import { startInterval, type IntervalProbe, type IntervalSpec } from '../../core/kit/interval.js';
import { TCP_PROBE_HOOKS, tcpProbeVariants } from '../../core/kit/tcpprobe.js';
import { tcprtt_key, tcprtt_val } from './tcprtt.h.js';

export type TcpRttBy = 'total' | 'raddr' | 'lport';

/** The CLI's option names: -m, -b, --bylport. */
export interface TcpRttOptions {
  /** Milliseconds rather than microseconds. */
  milliseconds?: boolean;
  /** One histogram per remote address. */
  byraddr?: boolean;
  /** One histogram per local port. */
  bylport?: boolean;
}

export interface TcpRttHist {
  /** The remote address (by 'raddr'). */
  raddr?: string;
  /** The local port (by 'lport'). */
  lport?: number;
  /** Segments received in the interval. */
  count: number;
  /** Their mean srtt, in the histogram's unit. */
  avg: number;
  hist: Histogram;
}

export interface TcpRttReport {
  seconds: number;
  by: TcpRttBy;
  /** By key: the remote address, or the local port, in order; one row for the total (none when nothing was seen). */
  rows: TcpRttHist[];
}

const BY = { total: 0, raddr: 1, lport: 2 } as const;
const key = structDecoder(tcprtt_key);
const val = structDecoder(tcprtt_val);
const view = (b: Buffer) => new DataView(b.buffer, b.byteOffset, b.length);

function by(o: TcpRttOptions): TcpRttBy {
  if (o.byraddr && o.bylport) throw new NetdxError('E_USAGE', 'parsing arguments: -b and --bylport exclude each other');
  return o.byraddr ? 'raddr' : o.bylport ? 'lport' : 'total';
}

export const TCPRTT: IntervalSpec<TcpRttReport, TcpRttOptions> = {
  name: 'tcprtt',
  object: 'tcprtt',
  hooks: TCP_PROBE_HOOKS,
  filters: ['pid', 'lport', 'rport', 'family', 'netns'],
  variants: tcpProbeVariants('tcprtt'),
  rodata: (o) => ({ key_by: BY[by(o)], in_ms: !!o.milliseconds }),
  collect(obj, seconds, o) {
    const b = by(o);
    const unit = o.milliseconds ? 'msecs' : 'usecs';
    const rows = obj.map('hists').drain().map(([k, v]) => {
      const kk = key(view(k), 0);
      const vv = val(view(v), 0);
      const row: TcpRttHist = { count: vv.count, avg: vv.count ? vv.sum / vv.count : 0, hist: { unit, buckets: log2Buckets(vv.slots) } };
      if (b === 'raddr') row.raddr = formatAddr(kk.family === 10 ? 6 : 4, kk.raddr);
      if (b === 'lport') row.lport = kk.lport;
      return row;
    });
    rows.sort((x, y) => (x.lport ?? 0) - (y.lport ?? 0) || (x.raddr ?? '').localeCompare(y.raddr ?? ''));
    return { seconds, by: b, rows };
  },
};

/** Starts aggregating (attached when this returns); sample() reads and resets one interval. */
export function startTcpRtt(filter: CommonFilter = {}, opts: TcpRttOptions & { via?: string } = {}): IntervalProbe<TcpRttReport, TcpRttOptions> {
  return startInterval(TCPRTT, { filter, options: opts, via: opts.via });
}
