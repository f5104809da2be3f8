// Decoding of struct tcplife_event. The offsets come from tcplife.h.ts, which the build generates
// from the C header (tcplife.h): a field renamed there fails this file's compilation.
import { formatAddr } from '../../core/addr.js';
import { cString } from '../../core/bpf/struct.js';
import { tcplife_event as L } from './tcplife.h.js';

export const TCPLIFE_EVENT_SIZE = L.size;

const AF_INET = 2;

export interface TcpLifeEvent {
  /** bpf_ktime_get_ns() at CLOSE (monotonic clock, ns). */
  ts_ns: number;
  pid: number;
  comm: string;
  family: 4 | 6;
  laddr: string;
  lport: number;
  raddr: string;
  rport: number;
  tx_bytes: number;
  rx_bytes: number;
  duration_ms: number;
}

// Busy hosts close many sessions between few addresses: remember the last IPv4 strings rather
// than building one per event (bench/tcplife: most of the tracer's CPU is per-event JS).
const v4Names = new Map<number, string>();
function addr(family: 4 | 6, dv: DataView, bytes: Uint8Array, abs: number, rel: number): string {
  if (family === 6) return formatAddr(6, bytes, rel);
  const key = dv.getUint32(abs, false);
  let s = v4Names.get(key);
  if (s === undefined) {
    if (v4Names.size >= 4096) v4Names.clear();
    s = formatAddr(4, bytes, rel);
    v4Names.set(key, s);
  }
  return s;
}

const F = L.fields;

/** Hand-written rather than structDecoder(): addresses are formatted here, and v4 names cached. */
export function decodeTcpLifeEvent(dv: DataView, off: number): TcpLifeEvent {
  const family = dv.getUint16(off + F.family.off, true) === AF_INET ? 4 : 6;
  const bytes = new Uint8Array(dv.buffer, dv.byteOffset + off, L.size);
  return {
    ts_ns: Number(dv.getBigUint64(off + F.ts_ns.off, true)),
    pid: dv.getUint32(off + F.pid.off, true),
    comm: cString(dv, off + F.comm.off, F.comm.count),
    family,
    laddr: addr(family, dv, bytes, off + F.saddr.off, F.saddr.off),
    lport: dv.getUint16(off + F.sport.off, true),
    raddr: addr(family, dv, bytes, off + F.daddr.off, F.daddr.off),
    rport: dv.getUint16(off + F.dport.off, true),
    tx_bytes: Number(dv.getBigUint64(off + F.tx_bytes.off, true)),
    rx_bytes: Number(dv.getBigUint64(off + F.rx_bytes.off, true)),
    duration_ms: Number(dv.getBigUint64(off + F.span_ns.off, true)) / 1e6,
  };
}

/**
 * One NDJSON line for an event. Hand-written because JSON.stringify with a replacer costs a call
 * per key, which made --json fall behind at ~45,000 events/s on 2 CPUs (bench/tcplife).
 * Only comm can hold characters that need escaping.
 */
export function tcpLifeJson(e: TcpLifeEvent): string {
  return `{"ts_ns":${e.ts_ns},"pid":${e.pid},"comm":${JSON.stringify(e.comm)},"family":${e.family},` +
    `"laddr":"${e.laddr}","lport":${e.lport},"raddr":"${e.raddr}","rport":${e.rport},` +
    `"tx_bytes":${e.tx_bytes},"rx_bytes":${e.rx_bytes},"duration_ms":${e.duration_ms}}\n`;
}
