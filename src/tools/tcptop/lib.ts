// tcptop as a library: TCP bytes sent and received per process and connection, aggregated in the
// kernel and read per interval, the top flows first. The doctor and exporters call startTcptop()
// and sample(); cli.ts only renders.
import { formatAddr } from '../../core/addr.js';
import { NetdxError } from '../../core/errors.js';
import type { SocketEvent } from '../../core/kit/cli.js';
import { startInterval, type IntervalProbe, type IntervalSpec } from '../../core/kit/interval.js';
import type { LoadOptions } from '../../core/kit/load.js';
import { drainAggregates, sockioSpec, type SockioVia } from '../../core/kit/sockio.js';
import { tcptop_key, tcptop_val } from './tcptop.h.js';

/** One end of a TCP connection, in the process that used it (pid, comm, laddr, lport, raddr, rport). */
export interface TcpFlow extends SocketEvent {
  family: 4 | 6;
  rx_bytes: number;
  tx_bytes: number;
}

export interface TcptopReport {
  seconds: number;
  /** The top flows, by the sort key, at most `rows`. */
  flows: TcpFlow[];
  /** Flows that moved data in the interval but did not make the top. */
  more: number;
  /** Every flow's bytes in the interval, shown or not. */
  rx_bytes: number;
  tx_bytes: number;
}

export const SORTS = ['all', 'sent', 'received'] as const;
export type TcptopSort = (typeof SORTS)[number];

export interface TcptopOptions {
  /** 'all' (sent + received, the default), 'sent' or 'received'. */
  sort?: TcptopSort | string;
  /** At most this many flows (default 20). */
  rows?: number;
}

const SORT_KEY: Record<TcptopSort, (f: TcpFlow) => number> = {
  all: (f) => f.rx_bytes + f.tx_bytes, sent: (f) => f.tx_bytes, received: (f) => f.rx_bytes,
};

export function checkTcptop(o: TcptopOptions): void {
  if (o.sort !== undefined && !SORTS.includes(o.sort as TcptopSort)) throw new NetdxError('E_USAGE', `parsing --sort: '${o.sort}' is not one of ${SORTS.join(', ')}`);
  if (o.rows !== undefined && !(Number.isInteger(o.rows) && o.rows > 0)) throw new NetdxError('E_USAGE', `parsing --rows: ROWS must be above 0, not ${o.rows}`);
}

export const TCPTOP: IntervalSpec<TcptopReport, TcptopOptions> = sockioSpec('tcptop', (obj, seconds, o) => {
  const all = drainAggregates(obj, 'flows', tcptop_key, tcptop_val).map(({ k, v }): TcpFlow => {
    const family = k.family === 2 ? 4 : 6;
    return {
      pid: k.pid, comm: v.comm, family, laddr: formatAddr(family, k.laddr), lport: k.lport,
      raddr: formatAddr(family, k.raddr), rport: k.rport, rx_bytes: v.rx_bytes, tx_bytes: v.tx_bytes,
    };
  });
  const by = SORT_KEY[(o?.sort as TcptopSort | undefined) ?? 'all'];
  all.sort((a, b) => by(b) - by(a) || a.pid - b.pid || a.lport - b.lport || a.rport - b.rport);
  const rows = o?.rows ?? 20;
  return {
    seconds, flows: all.slice(0, rows), more: Math.max(0, all.length - rows),
    rx_bytes: all.reduce((n, f) => n + f.rx_bytes, 0), tx_bytes: all.reduce((n, f) => n + f.tx_bytes, 0),
  };
});

/** Starts aggregating (attached when this returns); sample() reads and resets one interval. */
export function startTcptop(opts: LoadOptions<TcptopOptions> & { via?: SockioVia } = {}): IntervalProbe<TcptopReport, TcptopOptions> {
  checkTcptop(opts.options ?? {});
  return startInterval(TCPTOP, opts);
}
