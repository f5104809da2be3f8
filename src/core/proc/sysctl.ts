// Which net.* tunables exist in the initial network namespace only, and fixes that say so. The
// kernel registers net_core_table, ipv4_table and the default neighbour parms for init_net alone:
// another namespace has no such files, yet their values govern it. Shared by sysctl (labels),
// scaling and the doctor (where a fix must be run).
import { existsSync } from 'node:fs';
import type { Finding } from '../finding.js';

/** As on Linux 6.18; sysctl-kernel.test.ts checks the list against a fresh namespace of the running kernel. */
export const INITIAL_NS_ONLY: ReadonlySet<string> = new Set([
  'net.core.netdev_max_backlog', 'net.core.netdev_budget', 'net.core.netdev_budget_usecs', 'net.core.dev_weight',
  'net.core.rps_sock_flow_entries', 'net.core.flow_limit_table_len', 'net.core.default_qdisc', 'net.core.busy_poll',
  'net.core.busy_read', 'net.ipv4.tcp_mem', 'net.ipv4.udp_mem', 'net.ipv4.tcp_max_orphans',
  'net.ipv4.neigh.default.gc_thresh3', 'net.ipv6.neigh.default.gc_thresh3',
]);

/**
 * True when /proc/sys, as this thread sees it, is the initial namespace's: net_core_table exists
 * there only. Works where /proc/1/ns/net may not be opened (containers, some VMs).
 */
export function procSysIsInitial(procSys = '/proc/sys'): boolean {
  return existsSync(`${procSys}/net/core/netdev_max_backlog`);
}

const SYSCTL_W = /\bsysctl -w (net\.[\w.-]+)=/;

/**
 * A fix as it can work from where it is proposed: `sysctl -w` of an initial-namespace tunable,
 * proposed for another namespace, fails there (no such file), so it is addressed to the host.
 */
export function placeFix(fix: string, initialNs: boolean): string {
  const m = SYSCTL_W.exec(fix);
  if (initialNs || !m || !INITIAL_NS_ONLY.has(m[1]!)) return fix;
  return `${fix}${fix.includes('#') ? ';' : '   #'} on the host: exists in the initial namespace only, applies to all`;
}

/** placeFix over every finding's fixes. */
export function placeFixes(findings: Finding[], initialNs: boolean): Finding[] {
  return initialNs ? findings : findings.map((f) => ({ ...f, fix: f.fix.map((x) => placeFix(x, false)) }));
}
