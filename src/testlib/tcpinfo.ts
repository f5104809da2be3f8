// Oracles for the tools on TCP sockets' inner state (tcprtt, tcpwin, tcpcong, ...): ss -ti of one
// socket inside a test's namespace, and the namespace's SNMP counters read natively.
import { readCounters } from '../tools/nstat/lib.js';
import { resolveNetns } from '../core/netns.js';
import type { Netns } from './kernel.js';

/** A counter of the namespace (TcpInSegs, TcpExtTCPLossProbes, ...), read from its /proc/net. */
export function counter(ns: Netns, name: string): number {
  const v = readCounters('/proc', resolveNetns(ns.name)).get(name);
  if (v === undefined) throw new Error(`no counter ${name}`);
  return Number(v);
}

/**
 * The tcp_info and memory of the one TCP socket in `ns` that matches an ss filter (e.g.
 * 'dport = :8080'), as `ss -tinm` prints them: 'rtt' -> '0.043/0.021', 'cwnd' -> '10',
 * 'skmem' -> '(r0,rb131072,...)', and flags such as 'ts' -> ''.
 */
export function ssInfo(ns: Netns, filter: string): Record<string, string> {
  const out = ns.exec('ss', ['-tinmH', filter]).trim().split('\n');
  if (out.length !== 2) throw new Error(`ss -tinm '${filter}' in ${ns.name}: not one socket:\n${out.join('\n')}`);
  const info: Record<string, string> = {};
  for (const tok of out[1]!.trim().split(/\s+/)) {
    const i = tok.indexOf(':');
    if (i < 0) info[tok] = '';
    else if (!(tok.slice(0, i) in info)) info[tok.slice(0, i)] = tok.slice(i + 1);
  }
  return info;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Waits until `done()` holds, then until the namespace's `counter` stops moving for `still` ms:
 * traffic is over before a test compares a probe with the counters (fixed sleeps fail on a loaded
 * machine). Throws after `max` ms.
 */
export async function settled(ns: Netns, done: () => boolean, opts: { counter?: string; still?: number; max?: number } = {}): Promise<void> {
  const end = Date.now() + (opts.max ?? 10_000);
  const name = opts.counter ?? 'TcpInSegs';
  while (!done()) {
    if (Date.now() > end) throw new Error(`${ns.name}: the traffic did not finish in time`);
    await sleep(50);
  }
  let last = counter(ns, name);
  for (;;) {
    await sleep(opts.still ?? 200);
    const now = counter(ns, name);
    if (now === last) return;
    if (Date.now() > end) throw new Error(`${ns.name}: ${name} still moving`);
    last = now;
  }
}

/** A number of ssInfo() (bytes_acked, bytes_received, ...), 0 while no one socket matches: for polling. */
export function ssNumber(ns: Netns, filter: string, key: string): number {
  try {
    return Number(ssInfo(ns, filter)[key] ?? 0);
  } catch {
    return 0;
  }
}
