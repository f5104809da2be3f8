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
  /** Increase per second (null for gauges, and when the span is unknown). */
  rate: number | null;
  /** The counter went backwards (netns recreated, 32-bit wrap): delta is its value since. */
  wrapped?: true;
}

/**
 * One counter's change from `before` over `seconds` (0 or less: no rate). A gauge or constant
 * (GAUGES) has only a value. A counter below `before` wrapped (or was reset): its delta is its value.
 */
export function deltaOf(name: string, value: bigint, before: bigint, seconds: number): CounterDelta {
  if (GAUGES.has(name)) return { name, value, gauge: true, delta: null, rate: null };
  const d: CounterDelta = { name, value, gauge: false, delta: value - before, rate: null };
  if (value < before) { d.delta = value; d.wrapped = true; }
  if (seconds > 0) d.rate = Number(d.delta) / seconds;
  return d;
}

/**
 * Deltas and rates from two readings `seconds` apart, for every name in `cur`, in its order.
 * Pure: the caller does the reading and the timing.
 */
export function counterDeltas(prev: Counters, cur: Counters, seconds: number): CounterDelta[] {
  if (!(seconds > 0)) throw new NetdxError('E_USAGE', `computing counter rates: interval ${seconds} s is not above 0`);
  // IcmpMsg fields appear the first time a type is seen: absent before counts from 0
  return [...cur].map(([name, value]) => deltaOf(name, value, prev.get(name) ?? 0n, seconds));
}

/**
 * The counters as iproute2's nstat prints them: its seven hidden fields (NSTAT_HIDDEN) left out,
 * every other field a counter (MPTcpExtMPCurrEstab too), `base` subtracted when given (a counter
 * below its base shows 0, nstat's "overflow"), zeros left out unless `zeros`, in reading order.
 */
export function nstatValues(cur: Counters, base: ((name: string) => bigint | undefined) | undefined,
  keep: (name: string) => boolean, zeros: boolean): Array<[string, bigint]> {
  const out: Array<[string, bigint]> = [];
  for (const [name, value] of cur) {
    if (NSTAT_HIDDEN.has(name) || !keep(name)) continue;
    const b = base?.(name) ?? 0n;
    const v = value < b ? 0n : value - b;
    if (zeros || v !== 0n) out.push([name, v]);
  }
  return out;
}

/**
 * nstat -j's text for these values: {"kernel":{...}} on one line, or with `pretty` (nstat -jp)
 * indented by 4; a newline at the end. Values are written whole (64-bit, never rounded).
 */
export function nstatJson(values: ReadonlyArray<readonly [string, bigint]>, pretty = false): string {
  const fields = values.map(([n, v]) => `${JSON.stringify(n)}:${pretty ? ' ' : ''}${v}`);
  if (!pretty) return `{"kernel":{${fields.join(',')}}}\n`;
  if (fields.length === 0) return '{\n    "kernel": {}\n}\n';
  return `{\n    "kernel": {\n${fields.map((f) => `        ${f}`).join(',\n')}\n    }\n}\n`;
}
