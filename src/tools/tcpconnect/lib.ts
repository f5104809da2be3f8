// tcpconnect as a library: one typed event per active TCP open, when its outcome is known.
import { formatAddr } from '../../core/addr.js';
import { structDecoder } from '../../core/bpf/struct.js';
import { errnoName } from '../../core/errors.js';
import type { EventSpec } from '../../core/kit/events.js';
import { TCPCONNECT_OBJECT } from '../../core/kit/tcpstate.js';
import { tcpconnect_event } from './tcpconnect.h.js';

export interface TcpConnectEvent {
  /** Outcome time (CLOCK_MONOTONIC ns). */
  ts_ns: number;
  pid: number;
  tid: number;
  comm: string;
  netns: number;
  family: 4 | 6;
  saddr: string;
  sport: number;
  daddr: string;
  dport: number;
  /** connect() to the outcome, ms. */
  latency_ms: number;
  /** 0 connected; an errno (ECONNREFUSED 111, ETIMEDOUT 110, ...); -1 closed by the application first. */
  err: number;
  /** 'OK', the errno's name, or 'CLOSED'. */
  result: string;
}

export interface TcpConnectOptions {
  /** Only connects that failed. */
  failed?: boolean;
}

const raw = structDecoder(tcpconnect_event);

export function decodeTcpConnect(dv: DataView, off: number): TcpConnectEvent {
  const r = raw(dv, off);
  const family = r.family === 2 ? 4 : 6;
  return {
    ts_ns: r.ts_ns, pid: r.pid, tid: r.tid, comm: r.comm, netns: r.netns, family,
    saddr: formatAddr(family, r.saddr), sport: r.sport, daddr: formatAddr(family, r.daddr), dport: r.dport,
    latency_ms: r.latency_ns / 1e6, err: r.err,
    result: r.err === 0 ? 'OK' : r.err === -1 ? 'CLOSED' : errnoName(r.err),
  };
}

export const TCPCONNECT: EventSpec<TcpConnectEvent, TcpConnectOptions> = {
  name: 'tcpconnect',
  ...TCPCONNECT_OBJECT,
  rodata: (o) => ({ only_failed: !!o?.failed }),
  decode: decodeTcpConnect,
};
