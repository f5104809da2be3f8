// Recording the doctor's window: counters every second (the judged namespace's SNMP counters,
// its interfaces and qdiscs, conntrack; the host's softnet, softirqs and CPU time), listening and
// UDP sockets every second, TCP connections at the start and the end, the configuration, and the
// BPF bundle's aggregates. Files and netlink sockets of another namespace are opened inside it
// once (core/netns.ts) and read from home. Nothing here changes a setting.
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import { hostname, release } from 'node:os';
import { NetdxError } from '../../core/errors.js';
import { dumpLinks, linkSpeed } from '../../core/netlink/rtnl.js';
import { dumpQdiscs } from '../../core/netlink/qdisc.js';
import { TCP_STATES, dumpInetSockets, forEachInetDiagBody, parseInetDiagMsg, type InetSocket } from '../../core/netlink/sockdiag.js';
import { netnsLabel, ownNetns, withNetns, isOwnNetns, type NetnsRef } from '../../core/netns.js';
import { openSysfs, type SysfsView } from '../../core/sysfs.js';
import { parseProcStat } from '../../core/proc/cpustat.js';
import { parseInterrupts } from '../../core/proc/interrupts.js';
import { parseAllCounters } from '../../core/proc/snmp.js';
import { parseSoftirqs } from '../../core/proc/softirqs.js';
import { parseSoftnetStat } from '../../core/proc/softnet.js';
import { kernelBypassNics } from '../../core/proc/bypass.js';
import { sleep } from '../../core/time.js';
import { socketOwners } from '../../core/proc/owners.js';
import { procSysIsInitial } from '../../core/proc/sysctl.js';
import { listInterfaces, onlineCpus, readGlobalSteering, readInterface, type InterfaceScaling } from '../scaling/lib.js';
import { DoctorProbes, noProbes } from './probes.js';
import {
  WINDOW_VERSION, type DoctorConfig, type DoctorWindow, type ListenerSnap, type ProbeAggregates, type TcpSnap, type Tick, type UdpSnap,
} from './window.js';

export interface RecordOptions {
  seconds: number;
  quick?: boolean;
  netns?: NetnsRef;
  pid?: number;
  port?: number;
  /** Told what is being sampled and how long is left (for a TTY's progress line). */
  onProgress?: (what: string, secondsLeft: number) => void;
  signal?: AbortSignal;
  /** Skip the BPF bundle (the window then says why). */
  noBpf?: boolean;
}

/** The tunables the rules read; those of the initial namespace only are read at home. */
export const SYSCTLS = [
  'net.core.somaxconn', 'net.ipv4.tcp_max_syn_backlog', 'net.ipv4.tcp_syncookies', 'net.ipv4.tcp_abort_on_overflow',
  'net.core.rmem_default', 'net.core.rmem_max', 'net.core.wmem_default', 'net.core.wmem_max',
  'net.ipv4.tcp_rmem', 'net.ipv4.tcp_wmem', 'net.ipv4.tcp_mem', 'net.ipv4.udp_mem', 'net.ipv4.udp_rmem_min',
  'net.core.netdev_max_backlog', 'net.core.netdev_budget', 'net.core.netdev_budget_usecs', 'net.core.dev_weight',
  'net.core.rps_sock_flow_entries', 'net.core.flow_limit_table_len', 'net.core.default_qdisc',
  'net.netfilter.nf_conntrack_max', 'net.netfilter.nf_conntrack_buckets',
  'net.ipv4.conf.all.rp_filter', 'net.ipv4.conf.default.rp_filter',
  'net.ipv4.tcp_congestion_control', 'net.ipv4.tcp_sack', 'net.ipv4.tcp_dsack', 'net.ipv4.tcp_reordering',
  'net.ipv4.ip_local_port_range', 'net.ipv4.tcp_fin_timeout', 'net.ipv4.tcp_tw_reuse',
] as const;

const sysctlPath = (name: string) => `/proc/sys/${name.replace(/\./g, '/')}`;

/** A /proc file kept open (opened inside the namespace) and read again from its start. */
class ProcFile {
  private fd: number | undefined;
  private readonly buf = Buffer.allocUnsafe(1 << 18);
  constructor(readonly path: string) {
    try { this.fd = openSync(path, 'r'); } catch { this.fd = undefined; }
  }
  read(): string | undefined {
    if (this.fd === undefined) return undefined;
    let n = 0;
    for (;;) {
      const got = readSync(this.fd, this.buf, n, this.buf.length - n, n);
      if (got <= 0) break;
      n += got;
      if (n === this.buf.length) break;
    }
    return this.buf.toString('utf8', 0, n);
  }
  close(): void { if (this.fd !== undefined) closeSync(this.fd); this.fd = undefined; }
}

const hex = (c: bigint) => c.toString();

function listenerSnap(s: InetSocket): ListenerSnap {
  return { family: s.family, laddr: s.laddr, lport: s.lport, recv_q: s.recv_q, send_q: s.send_q, drops: s.mem?.drops ?? 0, inode: s.inode, cookie: hex(s.cookie) };
}

function udpSnap(s: InetSocket): UdpSnap {
  return {
    family: s.family, laddr: s.laddr, lport: s.lport, raddr: s.raddr, rport: s.rport, recv_q: s.recv_q,
    rcvbuf: s.mem?.rcvbuf ?? 0, rmem_alloc: s.mem?.rmem_alloc ?? 0, drops: s.mem?.drops ?? 0, inode: s.inode, cookie: hex(s.cookie),
  };
}

const INFO_FIELDS = ['rtt', 'rttvar', 'min_rtt', 'snd_cwnd', 'snd_ssthresh', 'total_retrans', 'retrans', 'lost', 'reordering',
  'bytes_acked', 'bytes_received', 'bytes_sent', 'bytes_retrans', 'segs_out', 'segs_in', 'data_segs_out', 'data_segs_in',
  'busy_time', 'rwnd_limited', 'sndbuf_limited', 'dsack_dups', 'reord_seen', 'rcv_ooopack', 'snd_wnd', 'rcv_wnd', 'rcv_space',
  'notsent_bytes', 'unacked', 'probes', 'backoff', 'delivery_rate', 'pacing_rate', 'total_rto', 'snd_mss', 'rcv_ssthresh'];

function tcpSnap(s: InetSocket): TcpSnap {
  const info: Record<string, number> = {};
  for (const f of INFO_FIELDS) if (s.tcp_info?.[f] !== undefined) info[f] = s.tcp_info[f]!;
  return {
    cookie: hex(s.cookie), family: s.family, state: s.state, laddr: s.laddr, lport: s.lport, raddr: s.raddr, rport: s.rport,
    recv_q: s.recv_q, send_q: s.send_q, inode: s.inode, rcvbuf: s.mem?.rcvbuf ?? 0, sndbuf: s.mem?.sndbuf ?? 0,
    rmem_alloc: s.mem?.rmem_alloc ?? 0, wmem_queued: s.mem?.wmem_queued ?? 0, drops: s.mem?.drops ?? 0,
    ...(s.cong ? { cong: s.cong } : {}), info,
  };
}

const CONNECTED = (1 << TCP_STATES.ESTABLISHED) | (1 << TCP_STATES.SYN_SENT) | (1 << TCP_STATES.FIN_WAIT1) | (1 << TCP_STATES.FIN_WAIT2)
  | (1 << TCP_STATES.CLOSE_WAIT) | (1 << TCP_STATES.LAST_ACK) | (1 << TCP_STATES.CLOSING);

/** Everything the window samples per second, with its files opened inside the namespace. */
class Sampler {
  private readonly snmp: ProcFile;
  private readonly snmp6: ProcFile;
  private readonly netstat: ProcFile;
  private readonly ctCount: ProcFile;
  private readonly ctMax: ProcFile;
  private readonly ctStat: ProcFile;
  private readonly t0 = performance.now();
  readonly notes: string[] = [];

  constructor(private readonly netns: NetnsRef | undefined) {
    [this.snmp, this.snmp6, this.netstat, this.ctCount, this.ctMax, this.ctStat] = withNetns(netns, () => [
      new ProcFile('/proc/net/snmp'), new ProcFile('/proc/net/snmp6'), new ProcFile('/proc/net/netstat'),
      new ProcFile('/proc/sys/net/netfilter/nf_conntrack_count'), new ProcFile('/proc/sys/net/netfilter/nf_conntrack_max'),
      new ProcFile('/proc/net/stat/nf_conntrack'),
    ]);
    if (this.snmp.read() === undefined) throw new NetdxError('E_IO', 'reading /proc/net/snmp: not readable');
  }

  /** The NIC queue IRQs whose interrupts each tick counts per CPU. */
  nicIrqs: ReadonlySet<number> = new Set();

  tick(): Tick {
    const t = Math.round(performance.now() - this.t0) / 1000;
    const counters: Record<string, number> = {};
    for (const [k, v] of parseAllCounters({ snmp: this.snmp.read(), snmp6: this.snmp6.read(), netstat: this.netstat.read() })) counters[k] = Number(v);
    const online = onlineCpus();
    const softnet = parseSoftnetStat(readFileSync('/proc/net/softnet_stat', 'utf8'), online).map((r) => ({
      cpu: r.cpu, processed: r.processed, dropped: r.dropped, time_squeeze: r.time_squeeze, received_rps: r.received_rps,
      flow_limit_count: r.flow_limit_count, backlog: r.backlog,
    }));
    const si = parseSoftirqs(readFileSync('/proc/softirqs', 'utf8'));
    const cpu = parseProcStat(readFileSync('/proc/stat', 'utf8')).filter((c) => c.cpu >= 0).map((c) => ({
      cpu: c.cpu, busy: c.total - c.idle - c.iowait, softirq: c.softirq, irq: c.irq, total: c.total,
    }));
    const links = dumpLinks(this.netns).map((l) => {
      const stats: Record<string, number> = {};
      for (const [k, v] of Object.entries(l.stats ?? {})) if (v !== undefined) stats[k] = Number(v);
      const sp = isOwnNetns(this.netns) ? linkSpeed(l.name) : { speedMbps: undefined };
      return { ifindex: l.ifindex, name: l.name, ...(l.kind ? { kind: l.kind } : {}), operstate: l.operstate,
        ...(sp.speedMbps !== undefined ? { speedMbps: sp.speedMbps } : {}), stats };
    });
    const nic_irqs: Tick['nic_irqs'] = [];
    if (this.nicIrqs.size) {
      const ints = parseInterrupts(readFileSync('/proc/interrupts', 'utf8'));
      ints.cpus.forEach((c, i) => nic_irqs.push({ cpu: c, count: ints.lines.filter((l) => l.irq !== undefined && this.nicIrqs.has(l.irq)).reduce((s, l) => s + (l.counts[i] ?? 0), 0) }));
    }
    const tick: Tick = {
      t, counters, softnet, softirqs: { cpus: si.cpus, net_rx: si.counts.NET_RX ?? [], net_tx: si.counts.NET_TX ?? [] },
      cpu, nic_irqs, links, qdiscs: dumpQdiscs(this.netns), listeners: [], synq: {}, udp: [],
    };
    const count = Number(this.ctCount.read()?.trim());
    if (Number.isFinite(count)) {
      const st = this.ctStat.read();
      tick.conntrack = { count, ...conntrackStat(st) };
      const max = Number(this.ctMax.read()?.trim());
      if (Number.isFinite(max)) tick.conntrack.max = max;
    }
    tick.listeners = dumpInetSockets({ protocol: 'tcp', states: 1 << TCP_STATES.LISTEN, netns: this.netns }).map(listenerSnap);
    for (const r of dumpInetSockets({ protocol: 'tcp', states: 1 << TCP_STATES.SYN_RECV, netns: this.netns })) {
      tick.synq[String(r.lport)] = (tick.synq[String(r.lport)] ?? 0) + 1;
    }
    tick.udp = dumpInetSockets({ protocol: 'udp', netns: this.netns }).map(udpSnap);
    return tick;
  }

  close(): void {
    for (const f of [this.snmp, this.snmp6, this.netstat, this.ctCount, this.ctMax, this.ctStat]) f.close();
  }
}

/** The columns of /proc/net/stat/nf_conntrack summed over CPUs (hex, a header line first). */
export function conntrackStat(text: string | undefined): { drop: number; early_drop: number; insert_failed: number } {
  const out = { drop: 0, early_drop: 0, insert_failed: 0 };
  if (!text) return out;
  const [head, ...rows] = text.trim().split('\n');
  const cols = head!.trim().split(/\s+/);
  for (const r of rows) {
    const v = r.trim().split(/\s+/).map((x) => parseInt(x, 16));
    for (const k of ['drop', 'early_drop', 'insert_failed'] as const) {
      const i = cols.indexOf(k);
      if (i >= 0 && Number.isFinite(v[i])) out[k] += v[i]!;
    }
  }
  return out;
}

/** Every TCP connection of the namespace with tcp_info (for 20,000 connections, ~50 ms). */
function tcpConnections(netns: NetnsRef | undefined): TcpSnap[] {
  const out: TcpSnap[] = [];
  forEachInetDiagBody({ protocol: 'tcp', states: CONNECTED, info: true, netns }, (b, p) => out.push(tcpSnap(parseInetDiagMsg(b, p))));
  return out;
}

function readSysctls(netns: NetnsRef | undefined): Record<string, string> {
  const read = (name: string) => { try { return readFileSync(sysctlPath(name), 'utf8').trim().replace(/\s+/g, ' '); } catch { return undefined; } };
  const out: Record<string, string> = {};
  const inNs = withNetns(netns, () => SYSCTLS.map((n) => [n, read(n)] as const));
  for (const [n, v] of inNs) {
    // a tunable of the initial namespace only is not there in another: read it at home
    const val = v ?? (isOwnNetns(netns) ? undefined : read(n));
    if (val !== undefined) out[n] = val;
  }
  return out;
}

function readConfig(netns: NetnsRef | undefined, links: Tick['links']): DoctorConfig {
  const sysctls = readSysctls(netns);
  const interfaces: DoctorConfig['interfaces'] = [];
  const rp = withNetns(netns, () => Object.fromEntries(links.map((l) => {
    try { return [l.name, Number(readFileSync(sysctlPath(`net.ipv4.conf.${l.name}.rp_filter`), 'utf8'))]; } catch { return [l.name, undefined]; }
  })));
  // queues, RPS and IRQs from the namespace's sysfs (core/sysfs.ts: /sys, or one made for another
  // namespace) and /proc/irq; none where the kernel refuses to make one
  const irqLines = parseInterrupts(readFileSync('/proc/interrupts', 'utf8')).lines;
  let sys: SysfsView | undefined;
  try { sys = openSysfs(netns, links); } catch { sys = undefined; }
  const sysNames = new Set(sys ? listInterfaces([], sys.root) : []);
  const scaling: InterfaceScaling[] = [];
  try {
    for (const l of links) {
      const base = { name: l.name, rx_queues: 0, tx_queues: 0, rps: [] as number[][], irq_cpus: {} as Record<string, number[]>, ...(rp[l.name] !== undefined ? { rp_filter: rp[l.name] } : {}) };
      if (sysNames.has(l.name)) {
        const i = readInterface(l.name, irqLines, sys!.root);
        scaling.push(i);
        base.rx_queues = i.rx_queues;
        base.tx_queues = i.tx_queues;
        base.rps = i.rx.map((q) => q.rps_cpus ?? []);
        for (const q of i.irqs) base.irq_cpus[String(q.irq)] = q.effective ?? q.affinity ?? [];
      }
      interfaces.push(base);
    }
  } finally {
    sys?.close();
  }
  return { sysctls, interfaces, scaling: { interfaces: scaling, global: readGlobalSteering() }, owners: {}, bypass: kernelBypassNics() };
}

function readComm(pid: number): string {
  try { return readFileSync(`/proc/${pid}/comm`, 'utf8').trim(); } catch { return ''; }
}

/**
 * Records one window. Resolves when it is over (or aborted: the window is then shorter, and
 * says so). Probes, files and sockets are released on every path.
 */
export async function recordWindow(opts: RecordOptions): Promise<DoctorWindow> {
  if (!(opts.seconds > 0)) throw new NetdxError('E_USAGE', 'recording a window: seconds must be above 0');
  const ns = opts.netns ?? ownNetns();
  const target = isOwnNetns(ns) ? undefined : ns;
  const notes: string[] = [];
  const progress = (what: string, left: number) => opts.onProgress?.(what, left);
  progress('loading BPF probes', opts.seconds);
  let probes: DoctorProbes | undefined;
  let probeWhy = 'not asked for (--no-bpf)';
  if (!opts.noBpf) {
    const p = DoctorProbes.start(target ? ns.inode : undefined, readComm);
    if (p instanceof DoctorProbes) probes = p;
    else probeWhy = p.why;
  }
  const sampler = new Sampler(target);
  let aggregates: ProbeAggregates;
  try {
    const started = new Date();
    const t0 = performance.now();
    const startConns = tcpConnections(target);
    const config = readConfig(target, dumpLinks(target).map((l) => ({ ifindex: l.ifindex, name: l.name, operstate: l.operstate, stats: {} })));
    sampler.nicIrqs = new Set(config.scaling.interfaces.flatMap((i) => i.irqs.filter((q) => q.kind !== 'other').map((q) => q.irq)));
    const ticks: Tick[] = [sampler.tick()];
    const links = ticks[0]!.links;
    const what = `counters, ${links.length} interface(s), sockets${probes ? ', BPF probes' : ''} in ${netnsLabel(ns)}`;
    for (let s = 1; s <= Math.ceil(opts.seconds); s++) {
      const due = t0 + Math.min(s, opts.seconds) * 1000;
      progress(what, Math.max(0, Math.ceil((due - performance.now()) / 1000)));
      await sleep(Math.max(0, due - performance.now()), opts.signal);
      ticks.push(sampler.tick());
      if (opts.signal?.aborted) { notes.push(`stopped early, after ${ticks[ticks.length - 1]!.t} s`); break; }
    }
    progress('reading sockets and probes', 0);
    const endConns = tcpConnections(target);
    aggregates = probes ? probes.stop() : noProbes(probeWhy);
    const duration = ticks[ticks.length - 1]!.t;
    const window: DoctorWindow = {
      version: WINDOW_VERSION,
      host: { hostname: hostname(), kernel: release(), cpus: onlineCpus() },
      netns: { ...(ns.name ? { name: ns.name } : {}), inode: ns.inode, own: !target, initial: withNetns(target, () => procSysIsInitial()) },
      focus: { ...(opts.pid !== undefined ? { pid: opts.pid } : {}), ...(opts.port !== undefined ? { port: opts.port } : {}) },
      started: started.toISOString(), duration_s: duration, quick: !!opts.quick,
      ticks, sockets: keepNotable(startConns, endConns, opts.port), config, probes: aggregates, notes: [...sampler.notes, ...notes],
    };
    attachOwners(window);
    return window;
  } finally {
    probes?.stop();
    sampler.close();
  }
}

/**
 * The connections worth keeping (a window is saved whole with --bundle): those that changed in
 * a way a rule reads (retransmits, limited time, drops), hold queued data, or are on the focus
 * port; at most 2,000 of each snapshot.
 */
function keepNotable(start: TcpSnap[], end: TcpSnap[], port?: number): { start: TcpSnap[]; end: TcpSnap[] } {
  const before = new Map(start.map((s) => [s.cookie, s]));
  const score = (s: TcpSnap) => {
    const b = before.get(s.cookie);
    const d = (f: string) => (s.info[f] ?? 0) - (b?.info[f] ?? 0);
    return (port !== undefined && (s.lport === port || s.rport === port) ? 1e12 : 0) + d('total_retrans') * 1e6 + s.drops * 1e6
      + (d('rwnd_limited') + d('sndbuf_limited')) + s.recv_q + s.send_q + (s.info.snd_wnd === 0 && s.state === 'ESTAB' ? 1e9 : 0);
  };
  const keepEnd = end.map((s) => [score(s), s] as const).filter(([sc]) => sc > 0).sort((a, b) => b[0] - a[0]).slice(0, 2000).map(([, s]) => s);
  const cookies = new Set(keepEnd.map((s) => s.cookie));
  return { start: start.filter((s) => cookies.has(s.cookie)), end: keepEnd };
}

/** Owners (pid, comm) of every socket the window names, from one pass over /proc/PID/fd. */
function attachOwners(w: DoctorWindow): void {
  const inodes = new Set<number>();
  for (const t of [w.ticks[w.ticks.length - 1]!]) {
    for (const l of t.listeners) inodes.add(l.inode);
    for (const u of t.udp) inodes.add(u.inode);
  }
  for (const s of w.sockets.end) inodes.add(s.inode);
  const owners = socketOwners();
  for (const ino of inodes) {
    const o = owners.get(ino)?.[0];
    if (o) w.config.owners[String(ino)] = { pid: o.pid, comm: o.comm };
  }
}
