// Decoding of struct tcplife_event (tcplife.h). Offsets mirror the C header; decode.test.ts
// checks them against the compiled object's BTF so the two cannot drift apart silently.
import { formatAddr } from '../../core/addr.js';

export const TCPLIFE_EVENT_SIZE = 96;
export const TCPLIFE_OFFSETS = {
  saddr: 0, daddr: 16, span_ns: 32, rx_bytes: 40, tx_bytes: 48, ts_ns: 56,
  pid: 64, sport: 68, dport: 70, family: 72, comm: 76,
} as const;

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

const td = new TextDecoder();

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

export function decodeTcpLifeEvent(dv: DataView, off: number): TcpLifeEvent {
  const o = TCPLIFE_OFFSETS;
  const family = dv.getUint16(off + o.family, true) === AF_INET ? 4 : 6;
  const bytes = new Uint8Array(dv.buffer, dv.byteOffset + off, TCPLIFE_EVENT_SIZE);
  let end = o.comm;
  while (end < o.comm + 16 && bytes[end] !== 0) end++;
  return {
    ts_ns: Number(dv.getBigUint64(off + o.ts_ns, true)),
    pid: dv.getUint32(off + o.pid, true),
    comm: td.decode(bytes.subarray(o.comm, end)),
    family,
    laddr: addr(family, dv, bytes, off + o.saddr, o.saddr),
    lport: dv.getUint16(off + o.sport, true),
    raddr: addr(family, dv, bytes, off + o.daddr, o.daddr),
    rport: dv.getUint16(off + o.dport, true),
    tx_bytes: Number(dv.getBigUint64(off + o.tx_bytes, true)),
    rx_bytes: Number(dv.getBigUint64(off + o.rx_bytes, true)),
    duration_ms: Number(dv.getBigUint64(off + o.span_ns, true)) / 1e6,
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
