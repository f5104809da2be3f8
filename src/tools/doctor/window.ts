// The doctor's window: everything sampled over a few seconds, typed and serialisable. Collectors
// fill it (record.ts); rules judge it (rules/), with no I/O, so a window saved with --bundle is
// judged again offline (--from) with the same findings, and rules are tested on saved windows.
import type { Qdisc } from '../../core/netlink/qdisc.js';
import type { BypassNic } from '../../core/proc/bypass.js';
import type { GlobalSteering, InterfaceScaling } from '../scaling/lib.js';
import type { LostEvents } from '../../core/bpf/object.js';

export const WINDOW_VERSION = 1;

/** One sample of the namespace's counters and the host's per-CPU state (about one per second). */
export interface Tick {
  /** Seconds since the window began. */
  t: number;
  /** /proc/net/snmp, netstat and snmp6 of the judged namespace, nstat's names. */
  counters: Record<string, number>;
  /** /proc/net/softnet_stat per CPU (host-wide). */
  softnet: Array<{ cpu: number; processed: number; dropped: number; time_squeeze: number; received_rps?: number; flow_limit_count?: number; backlog?: number }>;
  /** /proc/softirqs NET_RX and NET_TX per CPU, by CPU number (host-wide). */
  softirqs: { cpus: number[]; net_rx: number[]; net_tx: number[] };
  /** /proc/stat per CPU: jiffies busy, in softirq, in hard IRQ, and in all (idle and iowait are not busy). */
  cpu: Array<{ cpu: number; busy: number; softirq: number; irq: number; total: number }>;
  /** Interrupts of the NIC queue IRQs (config.scaling) per CPU, from /proc/interrupts. */
  nic_irqs: Array<{ cpu: number; count: number }>;
  /** Interfaces of the namespace with their counters (rtnetlink IFLA_STATS64). */
  links: Array<{ ifindex: number; name: string; kind?: string; operstate: string; speedMbps?: number; stats: Record<string, number> }>;
  qdiscs: Qdisc[];
  conntrack?: { count: number; max?: number; drop: number; early_drop: number; insert_failed: number };
  /** Listening TCP sockets: accept queue now (recv_q), its limit (send_q), sk_drops. */
  listeners: ListenerSnap[];
  /** Request sockets (SYN_RECV) per listening port: the SYN queue. */
  synq: Record<string, number>;
  /** UDP sockets: receive queue, buffer, sk_drops. */
  udp: UdpSnap[];
}

export interface ListenerSnap {
  family: 4 | 6;
  laddr: string;
  lport: number;
  recv_q: number;
  send_q: number;
  drops: number;
  inode: number;
  cookie: string;
}

export interface UdpSnap {
  family: 4 | 6;
  laddr: string;
  lport: number;
  raddr: string;
  rport: number;
  recv_q: number;
  rcvbuf: number;
  rmem_alloc: number;
  drops: number;
  inode: number;
  cookie: string;
}

/** A TCP connection at the start or the end of the window (tcp_info fields, skmeminfo). */
export interface TcpSnap {
  cookie: string;
  family: 4 | 6;
  state: string;
  laddr: string;
  lport: number;
  raddr: string;
  rport: number;
  recv_q: number;
  send_q: number;
  inode: number;
  rcvbuf: number;
  sndbuf: number;
  rmem_alloc: number;
  wmem_queued: number;
  drops: number;
  cong?: string;
  /** tcp_info, the fields the rules read (µs for times). */
  info: Record<string, number>;
}

export interface DropAgg {
  reason: string;
  reason_num: number;
  location: string;
  netns: number;
  family: 0 | 4 | 6;
  ipproto: number;
  daddr: string;
  sport: number;
  dport: number;
  /** rx_sk was given: sport is that socket's local port. */
  has_sk: boolean;
  pid: number;
  count: number;
}

export interface FlowAgg {
  family: 4 | 6;
  saddr: string;
  sport: number;
  daddr: string;
  dport: number;
  netns: number;
  pid: number;
  segs: number;
}

export interface ResetAgg {
  received: boolean;
  family: 0 | 4 | 6;
  lport: number;
  raddr: string;
  rport: number;
  netns: number;
  reason: string;
  state: string;
  pid: number;
  count: number;
}

export interface ConnectAgg {
  family: 4 | 6;
  daddr: string;
  dport: number;
  result: string;
  pid: number;
  comm: string;
  count: number;
  max_latency_ms: number;
}

export interface DnsAgg {
  family: 4 | 6;
  server: string;
  netns: number;
  pid: number;
  comm: string;
  queries: number;
  answers: number;
  avg_ms: number;
  max_ms: number;
  slow: number;
}

export interface ProbeAggregates {
  /** Whether the BPF bundle ran; when not, why (the rules then rely on counters alone). */
  ran: boolean;
  why_not?: string;
  via?: string;
  drops: DropAgg[];
  retrans: FlowAgg[];
  resets: ResetAgg[];
  failed_connects: ConnectAgg[];
  dns: DnsAgg[];
  /** Softirq time per CPU over the window, ns (irq:softirq_entry/exit): in windows saved before
   *  2026-11-30 only (no rule read it; its programs ran on every softirq of the host). */
  softirq_ns?: Array<{ cpu: number; vec: string; count: number; total_ns: number }>;
  lost: LostEvents;
  /** Runs of the probes the kernel skipped (already running on that CPU): their events are
   *  missing. In windows saved since 2026-11-30 only. */
  skipped?: number;
  notes: string[];
}

export interface InterfaceConfig {
  name: string;
  rx_queues: number;
  tx_queues: number;
  /** RPS CPUs per rx queue (empty: off). */
  rps: number[][];
  /** CPUs its queue IRQs are delivered to, by IRQ. */
  irq_cpus: Record<string, number[]>;
  rp_filter?: number;
}

export interface DoctorConfig {
  /** Tunables by sysctl name, as read (strings: some hold several numbers). */
  sysctls: Record<string, string>;
  interfaces: InterfaceConfig[];
  /** Queues, their IRQs and steering, as scaling reads them (this process's own namespace only). */
  scaling: { interfaces: InterfaceScaling[]; global: GlobalSteering };
  /** Owners of the sockets named in the window, by inode. */
  owners: Record<string, { pid: number; comm: string }>;
  /** NICs bound to a kernel-bypass driver (absent in windows of older versions). */
  bypass?: BypassNic[];
}

export interface DoctorWindow {
  version: number;
  host: { hostname: string; kernel: string; cpus: number[] };
  /**
   * The namespace judged: its name when it has one, its inode, whether it is netdx's own, and
   * whether it is the initial one (absent in older windows: taken as initial).
   */
  netns: { name?: string; inode: number; own: boolean; initial?: boolean };
  focus: { pid?: number; port?: number };
  started: string;
  duration_s: number;
  quick: boolean;
  ticks: Tick[];
  sockets: { start: TcpSnap[]; end: TcpSnap[] };
  config: DoctorConfig;
  probes: ProbeAggregates;
  /** What could not be sampled, and why. */
  notes: string[];
}
