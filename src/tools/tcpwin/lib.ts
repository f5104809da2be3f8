// tcpwin as a library: one typed event per TCP segment received (at most one per socket per
// sampling period), with the socket's send-side state: cwnd, ssthresh, the peer's window, srtt,
// send buffer and queued bytes.
import { structDecoder } from '../../core/bpf/struct.js';
import { NetdxError } from '../../core/errors.js';
import { socketEnds } from '../../core/kit/ends.js';
import type { EventSpec } from '../../core/kit/events.js';
import { TCP_PROBE_HOOKS, tcpProbeVariants } from '../../core/kit/tcpprobe.js';
import { tcpwin_event as L } from './tcpwin.h.js';

export interface TcpWinEvent {
  /** CLOCK_MONOTONIC ns. */
  ts_ns: number;
  /** The socket's kernel address (16 hex digits): one socket across events. */
  skaddr: string;
  pid: number;
  comm: string;
  netns: number;
  family: 4 | 6;
  laddr: string;
  lport: number;
  raddr: string;
  rport: number;
  /** Congestion window, segments. */
  cwnd: number;
  /** Slow-start threshold, segments; null while unset (the kernel's 0x7fffffff: ss omits it). */
  ssthresh: number | null;
  /** The peer's advertised receive window, bytes. */
  snd_wnd: number;
  srtt_us: number;
  /** sk_sndbuf, bytes. */
  sndbuf: number;
  /** sk_wmem_queued: bytes in the send queue (unsent or unacknowledged). */
  wmem_queued: number;
  /** Segments in flight. */
  packets_out: number;
  /** Payload of the segment received (0: a pure ACK). */
  data_len: number;
}

export interface TcpWinOptions {
  /** At most one event per socket per this many ms (-I); 0 every segment. */
  interval?: number;
}

const raw = structDecoder(L);
const TCP_INFINITE_SSTHRESH = 0x7fffffff;

export function decodeTcpWin(dv: DataView, off: number): TcpWinEvent {
  const r = raw(dv, off);
  return {
    ts_ns: r.ts_ns,
    skaddr: dv.getBigUint64(off + L.fields.skaddr.off, true).toString(16).padStart(16, '0'),
    pid: r.pid, comm: r.comm, netns: r.netns, ...socketEnds(r),
    cwnd: r.snd_cwnd, ssthresh: r.ssthresh >= TCP_INFINITE_SSTHRESH ? null : r.ssthresh, snd_wnd: r.snd_wnd,
    srtt_us: r.srtt_us, sndbuf: r.sndbuf, wmem_queued: r.wmem_queued, packets_out: r.packets_out, data_len: r.data_len,
  };
}

function periodNs(ms: number | undefined): bigint {
  const v = ms ?? 0;
  if (!(Number.isFinite(v) && v >= 0 && v <= 3_600_000)) throw new NetdxError('E_USAGE', `parsing -I: MS must be 0 to 3600000, not ${v}`);
  return BigInt(Math.round(v * 1e6));
}

export const TCPWIN: EventSpec<TcpWinEvent, TcpWinOptions> = {
  name: 'tcpwin',
  object: 'tcpwin',
  hooks: [...TCP_PROBE_HOOKS, 'ringbuf'],
  filters: ['pid', 'lport', 'rport', 'family', 'netns'],
  variants: tcpProbeVariants('tcpwin'),
  rodata: (o) => ({ period_ns: periodNs(o.interval) }),
  decode: decodeTcpWin,
};
