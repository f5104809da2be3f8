// soprotocol as a library: connect() and accept() calls by process and transport protocol, with
// the failed ones, aggregated in the kernel and read per interval. The doctor and exporters call
// startSoprotocol() and sample(); cli.ts only renders.
import { startInterval, type IntervalProbe, type IntervalSpec } from '../../core/kit/interval.js';
import type { LoadOptions } from '../../core/kit/load.js';
import { drainAggregates, sockcallSpec } from '../../core/kit/sockio.js';
import { soprotocol_key, soprotocol_val } from './soprotocol.h.js';

export interface SoProtocolStat {
  pid: number;
  comm: string;
  call: 'connect' | 'accept';
  /** The kernel's name of the protocol (sk->sk_prot->name): 'TCP', 'TCPv6', 'UDP', 'UNIX-STREAM', ... */
  protocol: string;
  /** The socket's protocol number (6 TCP, 17 UDP, 262 MPTCP; 0 for unix sockets). */
  ipproto: number;
  /** Calls that returned in the interval (accept4 counts as accept). */
  calls: number;
  /** Those that returned an error other than EINPROGRESS. */
  failed: number;
}

export interface SoProtocolReport {
  seconds: number;
  /** Most calls first. */
  calls: SoProtocolStat[];
}

export const SOPROTOCOL: IntervalSpec<SoProtocolReport> = sockcallSpec('soprotocol', (obj, seconds) => {
  const calls = drainAggregates(obj, 'calls', soprotocol_key, soprotocol_val).map(({ k, v }): SoProtocolStat => ({
    pid: k.pid, comm: k.comm, call: k.accept ? 'accept' : 'connect', protocol: k.proto || `proto${k.ipproto}`, ipproto: k.ipproto,
    calls: v.calls, failed: v.failed,
  }));
  calls.sort((a, b) => b.calls - a.calls || a.pid - b.pid || a.call.localeCompare(b.call) || a.protocol.localeCompare(b.protocol));
  return { seconds, calls };
});

/** Starts counting (attached when this returns); sample() reads and resets one interval. */
export function startSoprotocol(opts: LoadOptions = {}): IntervalProbe<SoProtocolReport> {
  return startInterval(SOPROTOCOL, opts);
}
