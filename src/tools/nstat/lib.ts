// nstat as a library: read the kernel's SNMP counters (of the calling process's network
// namespace: the /proc/net files are per-netns) and turn two readings into deltas and rates.
// The doctor samples through these; cli.ts only renders.
import { readFileSync } from 'node:fs';
import { NetdxError } from '../../core/errors.js';
import { withNetns, type NetnsRef } from '../../core/netns.js';
import { GAUGES, NSTAT_HIDDEN, parseAllCounters, type Counters } from '../../core/proc/snmp.js';

export type { Counters } from '../../core/proc/snmp.js';

function readProc(path: string, optional: boolean): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (optional && code === 'ENOENT') return undefined;   // snmp6 is absent when IPv6 is off
    throw new NetdxError('E_IO', `reading ${path}: ${code ?? String(e)}`, { cause: e });
  }
}

/**
 * Every counter of /proc/net/snmp, /proc/net/snmp6 and /proc/net/netstat, in nstat's order, of a
 * network namespace (default: the calling thread's; /proc/net is the namespace of who opens it).
 */
export function readCounters(procRoot = '/proc', netns?: NetnsRef): Counters {
  return withNetns(netns, () => parseAllCounters({
    snmp: readProc(`${procRoot}/net/snmp`, false),
    snmp6: readProc(`${procRoot}/net/snmp6`, true),
    netstat: readProc(`${procRoot}/net/netstat`, true),
  }));
}

/** Constants (IpDefaultTTL, TcpRtoMin, ...): configuration, neither counters nor gauges. */
export function isConstant(name: string): boolean {
  return NSTAT_HIDDEN.has(name) && !isLiveGauge(name);
}

/** Gauges that move: connections now established. */
export function isLiveGauge(name: string): boolean {
  return name === 'TcpCurrEstab' || name === 'MPTcpExtMPCurrEstab';
}

export interface CounterDelta {
  name: string;
  /** The value now. */
  value: bigint;
  /** A gauge or constant: only `value` means anything; delta and rate are null. */
  gauge: boolean;
  /** Increase over the interval (a counter absent before counts from 0). */
  delta: bigint | null;
  /** Increase per second. */
  rate: number | null;
  /** The counter went backwards (netns recreated, 32-bit wrap): delta is its value since. */
  wrapped?: true;
}

/**
 * Deltas and rates from two readings `seconds` apart, for every name in `cur`, in its order.
 * Pure: the caller does the reading and the timing.
 */
export function counterDeltas(prev: Counters, cur: Counters, seconds: number): CounterDelta[] {
  if (!(seconds > 0)) throw new NetdxError('E_USAGE', `computing counter rates: interval ${seconds} s is not above 0`);
  const out: CounterDelta[] = [];
  for (const [name, value] of cur) {
    if (GAUGES.has(name)) {
      out.push({ name, value, gauge: true, delta: null, rate: null });
      continue;
    }
    const before = prev.get(name) ?? 0n;   // IcmpMsg fields appear the first time a type is seen
    const d: CounterDelta = { name, value, gauge: false, delta: value - before, rate: 0 };
    if (value < before) { d.delta = value; d.wrapped = true; }
    d.rate = Number(d.delta) / seconds;
    out.push(d);
  }
  return out;
}
