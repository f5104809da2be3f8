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
