// ftrace as an oracle beside a BPF tool: an instance of its own under tracefs (instances/
// netdx-test-PID-N) with one event enabled, read at the end and removed (also on exit and signals).
// It sees every hit of the tracepoint with the task that was current, which BPF programs do not
// always: on this machine kind no BPF program runs for a hit in a softirq over a thread of PID 1
// (the VM's agent, whose threads relay the shell's output), while ftrace records it. Found with
// this beside netdx and bpftrace on tcp:tcp_retransmit_skb: every hit either missed was over
// one of those threads, and no hit over them reached a BPF program (docs/tools/tcpretrans.md).
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { registerCleanup } from '../core/cleanup.js';
import { ensureTracefs, TRACEFS } from '../core/bpf/features.js';

export interface FtraceHit {
  /** The current task's comm and thread id, as ftrace prints them. */
  task: string;
  tid: number;
  cpu: number;
  /** The event's printed fields (key=value). */
  fields: Record<string, string>;
}

let seq = 0;

/** Parses one line of an instance's `trace` file; undefined for headers and other events. */
export function parseTraceLine(line: string, event: string): FtraceHit | undefined {
  const m = /^\s*(.+)-(\d+)\s+\[(\d+)\]\s+\S+\s+[\d.]+:\s+(\w+):\s(.*)$/.exec(line);
  if (!m || m[4] !== event) return undefined;
  const fields: Record<string, string> = {};
  const words = m[5]!.split(' ');
  for (let w = 0; w < words.length; w++) {
    const kv = words[w]!;
    const i = kv.indexOf('=');
    if (i > 0) fields[kv.slice(0, i)] = kv.slice(i + 1);
    else if (kv.endsWith(':') && w + 1 < words.length) fields[kv.slice(0, -1)] = words[++w]!; // kfree_skb's "reason: NAME"
  }
  return { task: m[1]!, tid: Number(m[2]), cpu: Number(m[3]), fields };
}

/** True when thread `tid` belongs to PID 1 (read now: the thread must still be alive). */
function isInitThread(tid: number): boolean {
  return tid !== 0 && existsSync(`/proc/1/task/${tid}`);
}

/** How many of `hits` (those `match` keeps) no BPF program saw: the ones over a thread of PID 1. */
export function unseenByBpf(hits: readonly FtraceHit[], match: (h: FtraceHit) => boolean = () => true): number {
  return hits.filter((h) => match(h) && isInitThread(h.tid)).length;
}

export class FtraceEvent {
  private readonly dir: string;
  private readonly name: string;
  private readonly unregister: () => void;
  private closed = false;

  /** `event`: "system/name" (tcp/tcp_retransmit_skb). Enabled when this returns. */
  constructor(private readonly event: string) {
    ensureTracefs();
    this.name = event.split('/')[1]!;
    this.dir = `${TRACEFS}/instances/netdx-test-${process.pid}-${seq++}`;
    mkdirSync(this.dir);
    this.unregister = registerCleanup(() => this.close());
    writeFileSync(`${this.dir}/buffer_size_kb`, '2048');
    writeFileSync(`${this.dir}/events/${event}/enable`, '1');
  }

  /** Every hit recorded so far. */
  hits(): FtraceHit[] {
    const out: FtraceHit[] = [];
    for (const line of readFileSync(`${this.dir}/trace`, 'utf8').split('\n')) {
      const h = parseTraceLine(line, this.name);
      if (h) out.push(h);
    }
    return out;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    try { writeFileSync(`${this.dir}/events/${this.event}/enable`, '0'); } catch { /* removed below anyway */ }
    try { rmdirSync(this.dir); } catch { /* already gone */ }
    this.unregister();
  }
}
