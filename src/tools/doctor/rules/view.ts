// A read-only view of a window for the rules: counter deltas and rates over the window, per-tick
// series, per-socket and per-CPU differences, owners and tunables. Pure: no I/O.
import type { Culprit } from '../../../core/finding.js';
import type { DoctorWindow, ListenerSnap, TcpSnap, Tick, UdpSnap } from '../window.js';

export interface ListenerDelta {
  now: ListenerSnap;
  /** sk_drops added over the window (the overflow paths and SYN drops increment it). */
  drops: number;
  /** The longest accept queue seen. */
  maxQueue: number;
  /** The most request sockets (SYN queue) seen for its port. */
  maxSynq: number;
}

export interface TcpDelta {
  end: TcpSnap;
  start?: TcpSnap;
  /** Difference of a tcp_info field over the window (the end value when the start is unknown). */
  d(field: string): number;
}

export class WindowView {
  readonly first: Tick;
  readonly last: Tick;
  /** Seconds between the first and last samples (at least a millisecond). */
  readonly secs: number;

  constructor(readonly w: DoctorWindow) {
    if (!w.ticks.length) throw new Error('a window without samples');
    this.first = w.ticks[0]!;
    this.last = w.ticks[w.ticks.length - 1]!;
    this.secs = Math.max(0.001, this.last.t - this.first.t);
  }

  /** How much a counter grew over the window (0 when the kernel has no such counter). */
  delta(name: string): number {
    return Math.max(0, (this.last.counters[name] ?? 0) - (this.first.counters[name] ?? 0));
  }

  has(name: string): boolean {
    return name in this.last.counters;
  }

  rate(name: string): number {
    return this.delta(name) / this.secs;
  }

  /** Sum of the deltas of several counters (IPv4 and IPv6 twins). */
  sum(...names: string[]): number {
    return names.reduce((s, n) => s + this.delta(n), 0);
  }

  /** A counter's per-second increments, tick by tick (for charts and "when it began"). */
  series(name: string): Array<{ t: number; v: number }> {
    const out: Array<{ t: number; v: number }> = [];
    for (let i = 1; i < this.w.ticks.length; i++) {
      const a = this.w.ticks[i - 1]!, b = this.w.ticks[i]!;
      out.push({ t: b.t, v: Math.max(0, (b.counters[name] ?? 0) - (a.counters[name] ?? 0)) / Math.max(0.001, b.t - a.t) });
    }
    return out;
  }

  /** A tunable as a number (the first of several), undefined when absent. */
  sysctl(name: string): number | undefined {
    const v = this.w.config.sysctls[name];
    if (v === undefined) return undefined;
    const n = Number(v.split(' ')[0]);
    return Number.isFinite(n) ? n : undefined;
  }

  sysctlText(name: string): string | undefined {
    return this.w.config.sysctls[name];
  }

  owner(inode: number): { pid: number; comm: string } | undefined {
    return this.w.config.owners[String(inode)];
  }

  netnsLabel(): string {
    return this.w.netns.name ?? (this.w.netns.own ? 'this host' : `net:[${this.w.netns.inode}]`);
  }

  /** A socket's culprit line: protocol, family, address and port, owner and namespace. */
  socketCulprit(proto: Culprit['proto'], s: { family: 4 | 6; laddr: string; lport: number; raddr?: string; rport?: number; inode?: number }): Culprit {
    const o = s.inode !== undefined ? this.owner(s.inode) : undefined;
    return {
      proto, family: s.family, laddr: s.laddr, lport: s.lport,
      ...(s.raddr && s.rport ? { raddr: s.raddr, rport: s.rport } : {}),
      ...(o ? { pid: o.pid, comm: o.comm } : {}), netns: this.netnsLabel(),
    };
  }

  /** Listening sockets as they changed over the window (matched by socket cookie). */
  listeners(): ListenerDelta[] {
    const first = new Map(this.first.listeners.map((l) => [l.cookie, l]));
    const maxQ = new Map<string, number>();
    let maxSyn = new Map<string, number>();
    for (const t of this.w.ticks) {
      for (const l of t.listeners) maxQ.set(l.cookie, Math.max(maxQ.get(l.cookie) ?? 0, l.recv_q));
      for (const [port, n] of Object.entries(t.synq)) maxSyn.set(port, Math.max(maxSyn.get(port) ?? 0, n));
    }
    maxSyn = new Map(maxSyn);
    return this.last.listeners.map((l) => ({
      now: l, drops: Math.max(0, l.drops - (first.get(l.cookie)?.drops ?? l.drops)),
      maxQueue: maxQ.get(l.cookie) ?? l.recv_q, maxSynq: maxSyn.get(String(l.lport)) ?? 0,
    }));
  }

  /** UDP sockets with the drops (sk_drops) they added, and their fullest receive queue. */
  udp(): Array<{ now: UdpSnap; drops: number; maxQueue: number }> {
    const first = new Map(this.first.udp.map((u) => [u.cookie, u]));
    const maxQ = new Map<string, number>();
    for (const t of this.w.ticks) for (const u of t.udp) maxQ.set(u.cookie, Math.max(maxQ.get(u.cookie) ?? 0, u.rmem_alloc));
    return this.last.udp.map((u) => ({ now: u, drops: Math.max(0, u.drops - (first.get(u.cookie)?.drops ?? 0)), maxQueue: maxQ.get(u.cookie) ?? 0 }));
  }

  /** TCP connections of the end snapshot with what changed since the start. */
  tcp(): TcpDelta[] {
    const start = new Map(this.w.sockets.start.map((s) => [s.cookie, s]));
    return this.w.sockets.end.map((end) => {
      const st = start.get(end.cookie);
      return { end, start: st, d: (f: string) => Math.max(0, (end.info[f] ?? 0) - (st?.info[f] ?? 0)) };
    });
  }

  /** Per-CPU growth of softnet columns over the window. */
  softnet(): Array<{ cpu: number; processed: number; dropped: number; time_squeeze: number; flow_limit_count: number; received_rps: number; backlog?: number }> {
    const a = new Map(this.first.softnet.map((r) => [r.cpu, r]));
    return this.last.softnet.map((r) => {
      const p = a.get(r.cpu);
      const d = (k: 'processed' | 'dropped' | 'time_squeeze' | 'flow_limit_count' | 'received_rps') => Math.max(0, (r[k] ?? 0) - (p?.[k] ?? 0));
      return { cpu: r.cpu, processed: d('processed'), dropped: d('dropped'), time_squeeze: d('time_squeeze'),
        flow_limit_count: d('flow_limit_count'), received_rps: d('received_rps'), backlog: r.backlog };
    });
  }

  /** Per-CPU NET_RX/NET_TX softirqs and CPU time shares over the window. */
  cpus(): Array<{ cpu: number; net_rx: number; net_tx: number; busy_pct: number; softirq_pct: number; irq_pct: number }> {
    const idx = (t: Tick, cpu: number) => t.softirqs.cpus.indexOf(cpu);
    const cpuA = new Map(this.first.cpu.map((c) => [c.cpu, c]));
    return this.last.cpu.map((c) => {
      const a = cpuA.get(c.cpu);
      const total = Math.max(1, c.total - (a?.total ?? 0));
      const i1 = idx(this.first, c.cpu), i2 = idx(this.last, c.cpu);
      const rx = i1 >= 0 && i2 >= 0 ? this.last.softirqs.net_rx[i2]! - this.first.softirqs.net_rx[i1]! : 0;
      const tx = i1 >= 0 && i2 >= 0 ? this.last.softirqs.net_tx[i2]! - this.first.softirqs.net_tx[i1]! : 0;
      return {
        cpu: c.cpu, net_rx: rx, net_tx: tx,
        busy_pct: (100 * (c.busy - (a?.busy ?? 0))) / total,
        softirq_pct: (100 * (c.softirq - (a?.softirq ?? 0))) / total,
        irq_pct: (100 * (c.irq - (a?.irq ?? 0))) / total,
      };
    });
  }

  /** Interfaces with the growth of each statistic over the window. */
  links(): Array<{ name: string; kind?: string; d: Record<string, number> }> {
    const a = new Map(this.first.links.map((l) => [l.ifindex, l]));
    return this.last.links.map((l) => {
      const p = a.get(l.ifindex);
      const d: Record<string, number> = {};
      for (const [k, v] of Object.entries(l.stats)) d[k] = Math.max(0, v - (p?.stats[k] ?? 0));
      return { name: l.name, ...(l.kind ? { kind: l.kind } : {}), d };
    });
  }

  ifname(ifindex: number): string {
    return this.last.links.find((l) => l.ifindex === ifindex)?.name ?? `if${ifindex}`;
  }
}

/** "4 KiB", "208 KiB", "1.5 MiB": sizes as people read them. */
export function kib(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

/** A rate as people read it: 3.2/s, 120/s. */
export function perSec(n: number): string {
  return n >= 100 ? `${Math.round(n)}/s` : n >= 10 ? `${n.toFixed(1)}/s` : `${n.toFixed(2)}/s`;
}

/** An address and port as netdx writes them everywhere: 127.0.0.1:80, [::1]:80. */
export function hostPort(addr: string, port: number): string {
  return addr.includes(':') ? `[${addr}]:${port}` : `${addr}:${port}`;
}
