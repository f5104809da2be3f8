// tcpnagle as a library: per TCP socket, how often and how long Nagle's algorithm held small
// writes back in an interval (count, total, longest, log2 histogram in µs), aggregated in the
// kernel and drained per interval.
import { structDecoder } from '../../core/bpf/struct.js';
import { addSlots, log2Buckets, type Histogram } from '../../core/hist.js';
import type { SocketEvent } from '../../core/kit/cli.js';
import { socketEnds } from '../../core/kit/ends.js';
import type { CommonFilter } from '../../core/kit/filter.js';
import { startInterval, type IntervalProbe, type IntervalSpec } from '../../core/kit/interval.js';
import { tcpnagle_stat } from './tcpnagle.h.js';

/** One socket's holds: the writer (pid, comm), the socket's ends, and the holds. */
export interface TcpNagleFlow extends SocketEvent {
  family: 4 | 6;
  holds: number;
  total_ms: number;
  max_ms: number;
  /** Each hold's length, µs. */
  hist: Histogram;
}

export interface TcpNagleReport {
  seconds: number;
  /** Sockets with holds in the interval, the longest total first. */
  flows: TcpNagleFlow[];
  /** Every hold of the interval. */
  hist: Histogram;
}

const stat = structDecoder(tcpnagle_stat);
const view = (b: Buffer) => new DataView(b.buffer, b.byteOffset, b.length);

export const TCPNAGLE: IntervalSpec<TcpNagleReport> = {
  name: 'tcpnagle',
  object: 'tcpnagle',
  hooks: ['raw_tracepoint'],
  filters: ['pid', 'lport', 'rport', 'family', 'netns', 'cgroup'],
  variants: (['raw', 'tp', 'btf'] as const).map((k) => ({
    via: { raw: 'raw_tp', tp: 'tracepoint', btf: 'tp_btf' }[k],
    programs: [`tcpnagle_send_${k}`, `tcpnagle_xmit_${k}`],
  })),
  collect(obj, seconds) {
    const all: number[] = [];
    const flows = obj.map('stats').drain().map(([, v]) => {
      const s = stat(view(v), 0);
      addSlots(all, s.slots);
      return {
        pid: s.pid, comm: s.comm, ...socketEnds(s),
        holds: s.holds, total_ms: s.total_ns / 1e6, max_ms: s.max_ns / 1e6, hist: { unit: 'usecs', buckets: log2Buckets(s.slots) },
      } satisfies TcpNagleFlow;
    });
    flows.sort((x, y) => y.total_ms - x.total_ms);
    return { seconds, flows, hist: { unit: 'usecs', buckets: log2Buckets(all) } };
  },
};

/** Starts measuring holds (attached when this returns); sample() reports one interval. */
export function startTcpNagle(filter: CommonFilter = {}, opts: { via?: string } = {}): IntervalProbe<TcpNagleReport> {
  return startInterval(TCPNAGLE, { filter, via: opts.via });
}
