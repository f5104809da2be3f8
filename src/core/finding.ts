// The library contract between tools and the code that is not a CLI (the doctor, the exporter,
// the live views): what a finding is, and how a probe is started, sampled over a window and
// stopped. Tools with verdicts (scaling) return Findings; the doctor's rules return Findings.

/** How bad: critical loses data or service now; warning degrades it; notice is worth knowing. */
export type Severity = 'critical' | 'warning' | 'notice';

export const SEVERITIES: readonly Severity[] = ['critical', 'warning', 'notice'];

/**
 * Where a finding's cause lies, from the wire up: the doctor groups findings in this order.
 */
export type FindingLayer = 'device' | 'cpu' | 'qdisc' | 'ip' | 'transport' | 'socket' | 'application' | 'config';

export const FINDING_LAYERS: ReadonlyArray<{ id: FindingLayer; title: string }> = [
  { id: 'device', title: 'Device (NIC, driver, rings)' },
  { id: 'cpu', title: 'Softirq and CPU (RSS, RPS, RFS, XPS, NAPI)' },
  { id: 'qdisc', title: 'Queueing disciplines' },
  { id: 'ip', title: 'IP (routing, netfilter, conntrack)' },
  { id: 'transport', title: 'TCP and UDP' },
  { id: 'socket', title: 'Sockets (backlogs, buffers)' },
  { id: 'application', title: 'Application' },
  { id: 'config', title: 'Configuration' },
];

/** Who is behind a finding, as precisely as the kernel says: a socket, a process, a device, a CPU. */
export interface Culprit {
  proto?: 'tcp' | 'udp' | 'raw' | 'icmp';
  family?: 4 | 6;
  laddr?: string;
  lport?: number;
  raddr?: string;
  rport?: number;
  pid?: number;
  comm?: string;
  /** Network namespace: a name under /run/netns when it has one, else its inode. */
  netns?: string;
  ifname?: string;
  cpu?: number;
  /** The setting or limit that was hit, e.g. "net.core.somaxconn". */
  setting?: string;
}

export interface Finding {
  /** Stable id, e.g. "tcp.accept_queue_overflow" (docs list every id). */
  id: string;
  severity: Severity;
  layer: FindingLayer;
  /** One line: what is wrong. */
  title: string;
  culprit?: Culprit;
  /** The numbers that prove it, by name: counter deltas, rates, current values of limits. */
  evidence: Record<string, number | string>;
  /** The same evidence as sentences for a person, each naming its counters. */
  proof: string[];
  /** Why this happens, in a sentence or two. */
  why: string;
  /** What to change: commands or steps, printed, never run. */
  fix: string[];
}

/**
 * A probe that can be started, sampled over a window and stopped by code that is not the CLI.
 * sample() returns what was seen since start or the last sample; stop() detaches and is safe to
 * call again.
 */
export interface Probe<S> {
  readonly name: string;
  sample(): S;
  stop(): S;
}

export function severityRank(s: Severity): number {
  return SEVERITIES.indexOf(s);
}

/** A fix that is a command to paste (the rest are steps in words). */
export function isFixCommand(fix: string): boolean {
  return /^(sysctl|tc|nft|ethtool|echo|ip|netdx|dig|ss) /.test(fix);
}
