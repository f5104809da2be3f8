// Traffic with known answers, for kernel tests and the doctor's scenarios: test/workload.py run
// inside a test's namespace (listeners with set backlogs and accept delays, connects with their
// results, senders limited by SO_SNDBUF, receivers that never read, UDP bursts), and nftables
// rules inside that namespace (gone with it). Every child is tracked and killed at the end.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { parseAllCounters } from '../core/proc/snmp.js';
import { startEvents, type EventProbe, type EventSpec } from '../core/kit/events.js';
import { netnsInode } from '../core/kit/filter.js';
import { PYTHON, REPO_ROOT, sh, track, type Netns } from './kernel.js';

export const WORKLOAD = `${REPO_ROOT}test/workload.py`;

export type WorkloadEvent = Record<string, unknown> & { event: string };

/** One test/workload.py command, running; its JSON lines arrive as events. */
export class Workload {
  readonly cp: ChildProcess;
  readonly events: WorkloadEvent[] = [];
  private readonly waiters: Array<() => void> = [];
  readonly exited: Promise<number | null>;
  private stderr = '';

  constructor(ns: Netns | undefined, args: readonly string[]) {
    const argv = [PYTHON, WORKLOAD, ...args];
    this.cp = track(ns ? spawn('ip', ['netns', 'exec', ns.name, ...argv], { stdio: ['ignore', 'pipe', 'pipe'] })
      : spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] }));
    createInterface({ input: this.cp.stdout! }).on('line', (l) => {
      this.events.push(JSON.parse(l) as WorkloadEvent);
      for (const w of this.waiters.splice(0)) w();
    });
    this.cp.stderr!.on('data', (d: Buffer) => { this.stderr += d.toString(); });
    this.exited = new Promise((r) => this.cp.on('exit', (c) => { for (const w of this.waiters.splice(0)) w(); r(c); }));
  }

  /** The first event of this kind (waiting for it, up to ms). */
  async wait(kind: string, ms = 10_000): Promise<WorkloadEvent> {
    const until = Date.now() + ms;
    for (;;) {
      const e = this.events.find((x) => x.event === kind);
      if (e) return e;
      if (this.cp.exitCode !== null || Date.now() > until) {
        throw new Error(`workload ${this.cp.spawnargs.slice(-8).join(' ')}: no '${kind}' event (exit ${this.cp.exitCode}): ${this.stderr.trim()}`);
      }
      await new Promise<void>((r) => { this.waiters.push(r); setTimeout(r, 50); });
    }
  }

  /** Every event of this kind so far. */
  all(kind: string): WorkloadEvent[] {
    return this.events.filter((e) => e.event === kind);
  }

  /** Waits for the command's "done" and its exit. */
  async done(ms = 30_000): Promise<WorkloadEvent> {
    const d = await this.wait('done', ms);
    await this.exited;
    return d;
  }

  get pid(): number { return this.cp.pid!; }
}

/** Starts a workload command in `ns` (or the test's own namespace when undefined). */
export function workload(ns: Netns | undefined, ...args: string[]): Workload {
  return new Workload(ns, args);
}

/** Loads an nftables ruleset inside the namespace (it goes with the namespace). */
export function nft(ns: Netns, rules: string): void {
  sh('ip', ['netns', 'exec', ns.name, 'nft', '-f', '-'], { input: rules });
}

/** nftables counters of a namespace's table, by rule comment. */
export function nftCounters(ns: Netns, table: string, family = 'inet'): Record<string, number> {
  const j = JSON.parse(sh('ip', ['netns', 'exec', ns.name, 'nft', '-j', 'list', 'table', family, table])) as {
    nftables: Array<{ rule?: { comment?: string; expr: Array<{ counter?: { packets: number } }> } }>;
  };
  const out: Record<string, number> = {};
  for (const x of j.nftables) {
    const c = x.rule?.expr.find((e) => e.counter)?.counter;
    if (x.rule?.comment && c) out[x.rule.comment] = c.packets;
  }
  return out;
}

/** A namespace's SNMP counters (/proc/net/snmp, snmp6 and netstat read inside it), by nstat's names. */
export function nsCounters(ns: Netns): Map<string, bigint> {
  const read = (f: string) => sh('ip', ['netns', 'exec', ns.name, 'cat', `/proc/net/${f}`]);
  return parseAllCounters({ snmp: read('snmp'), snmp6: read('snmp6'), netstat: read('netstat') });
}

/** What each named counter of a namespace grew by since `before`. */
export function counterDelta(ns: Netns, before: Map<string, bigint>, names: readonly string[]): Record<string, number> {
  const now = nsCounters(ns);
  return Object.fromEntries(names.map((n) => [n, Number((now.get(n) ?? 0n) - (before.get(n) ?? 0n))]));
}

/**
 * An event probe on `spec` filtered to namespace `ns` (attached `via` one way, if given), the events
 * it delivers, and the namespace's counters when it started (the oracle's starting point).
 */
export function traceNetns<E>(spec: EventSpec<E>, ns: Netns, via?: string): { netns: number; events: E[]; probe: EventProbe<E>; before: Map<string, bigint> } {
  const netns = netnsInode(ns.name);
  const events: E[] = [];
  const probe = startEvents(spec, (e) => events.push(e), { filter: { netns }, via });
  return { netns, events, probe, before: nsCounters(ns) };
}

/**
 * A listen(3) that never accepts, in `ns` on 127.0.0.1: 4 clients fill its accept queue (it holds
 * the limit + 1), then 3 more are refused on the SYN path (one SYN each: they give up before its
 * retransmit), which TcpExtListenOverflows counts; the listener is killed at the end.
 */
export async function fillAcceptQueue(ns: Netns): Promise<{ port: number; pid: number }> {
  const l = workload(ns, 'listen', '--host', '127.0.0.1', '--backlog', '3', '--accept-after', '100000', '--hold', '3000');
  const port = (await l.wait('listening')).port as number;
  const b = workload(ns, 'connect', '--host', '127.0.0.1', '--port', String(port), '--count', '4', '--hold', '2000');
  while (b.all('connect').length < 4) await new Promise((r) => setTimeout(r, 20));
  await workload(ns, 'connect', '--host', '127.0.0.1', '--port', String(port), '--count', '3', '--timeout', '0.3').done();
  l.cp.kill('SIGKILL');
  await l.exited;
  return { port, pid: l.pid };
}
