// socketio as a library: socket I/O calls and bytes per process, direction, protocol and ports,
// aggregated in the kernel and read per interval. The doctor and exporters call startSocketio()
// and sample(); cli.ts only renders.
import { startInterval, type IntervalProbe, type IntervalSpec } from '../../core/kit/interval.js';
import type { LoadOptions } from '../../core/kit/load.js';
import { drainAggregates, protocolName, sockioSpec, type SockioVia } from '../../core/kit/sockio.js';
import { socketio_key, socketio_val } from './socketio.h.js';

export interface SocketIoStat {
  pid: number;
  comm: string;
  dir: 'send' | 'recv';
  protocol: string;
  lport: number;
  /** 0: an unconnected UDP socket (the peer is named per call). */
  rport: number;
  /** Calls in the interval, failed ones included. */
  calls: number;
  bytes: number;
  /** Calls that returned an error (EAGAIN included). */
  errors: number;
}

export interface SocketIoReport {
  seconds: number;
  /** Most bytes first, then most calls. */
  io: SocketIoStat[];
}

export const SOCKETIO: IntervalSpec<SocketIoReport> = sockioSpec('socketio', (obj, seconds) => {
  const io = drainAggregates(obj, 'io', socketio_key, socketio_val).map(({ k, v }): SocketIoStat => ({
    pid: k.pid, comm: v.comm, dir: k.recv ? 'recv' : 'send', protocol: protocolName(k.protocol),
    lport: k.lport, rport: k.rport, calls: v.calls, bytes: v.bytes, errors: v.errors,
  }));
  io.sort((a, b) => b.bytes - a.bytes || b.calls - a.calls || a.pid - b.pid || a.lport - b.lport || a.rport - b.rport);
  return { seconds, io };
});

/** Starts aggregating (attached when this returns); sample() reads and resets one interval. */
export function startSocketio(opts: LoadOptions & { via?: SockioVia } = {}): IntervalProbe<SocketIoReport> {
  return startInterval(SOCKETIO, opts);
}
