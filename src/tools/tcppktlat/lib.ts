// tcppktlat as a library: one typed event per read of a TCP socket that found data waiting, with
// how long the oldest unread segment had waited for it.
import { structDecoder } from '../../core/bpf/struct.js';
import { NetdxError } from '../../core/errors.js';
import type { SocketEvent } from '../../core/kit/cli.js';
import { socketEnds } from '../../core/kit/ends.js';
import type { EventSpec } from '../../core/kit/events.js';
import { TCP_PROBE_HOOKS, tcpProbeVariants } from '../../core/kit/tcpprobe.js';
import { tcppktlat_event } from './tcppktlat.h.js';

/** A read: the reader (pid, comm), the socket's ends, and the wait. */
export interface TcpPktLatEvent extends SocketEvent {
  /** The read (CLOCK_MONOTONIC ns). */
  ts_ns: number;
  tid: number;
  netns: number;
  family: 4 | 6;
  /** From the first segment with data since the socket's last read, to this read, ms. */
  latency_ms: number;
}

export interface TcpPktLatOptions {
  /** Only waits of at least this many ms. */
  min?: number;
}

const raw = structDecoder(tcppktlat_event);

export function decodeTcpPktLat(dv: DataView, off: number): TcpPktLatEvent {
  const r = raw(dv, off);
  return { ts_ns: r.ts_ns, pid: r.pid, tid: r.tid, comm: r.comm, netns: r.netns, ...socketEnds(r), latency_ms: r.latency_ns / 1e6 };
}

function minNs(ms: number | undefined): bigint {
  const v = ms ?? 0;
  if (!(Number.isFinite(v) && v >= 0)) throw new NetdxError('E_USAGE', `parsing --min: MS must be 0 or more, not ${v}`);
  return BigInt(Math.round(v * 1e6));
}

export const TCPPKTLAT: EventSpec<TcpPktLatEvent, TcpPktLatOptions> = {
  name: 'tcppktlat',
  object: 'tcppktlat',
  hooks: [...TCP_PROBE_HOOKS.filter((h) => h !== 'syscall_tracepoint'), 'ringbuf'],
  filters: ['pid', 'lport', 'rport', 'family', 'netns', 'cgroup'],
  variants: tcpProbeVariants('tcppktlat', ['tcppktlat_read'], false),
  rodata: (o) => ({ min_ns: minNs(o.min) }),
  decode: decodeTcpPktLat,
};
