// Tools on the syscall tracepoints (bpf/include/netdx_sys.h): their way to attach (the entry and
// exit programs of each call), and the fields every such event has, decoded once: the process,
// the fd, the call's latency and result, the socket's protocol, and a sockaddr as text.
import { formatAddr } from '../addr.js';
import type { HookName } from '../bpf/features.js';
import { structDecoder, type Decoded, type StructLayout } from '../bpf/struct.js';
import { errnoName } from '../errors.js';
import { log2Buckets, type Histogram } from '../hist.js';
import type { OptionSpecs } from '../tool.js';
import type { EventSpec } from './events.js';
import type { FilterFlag } from './filter.js';
import type { IntervalSpec } from './interval.js';
import type { Variant } from './load.js';

export const SYSCALL_HOOKS: readonly HookName[] = ['syscall_tracepoint', 'ringbuf'];

/** A syscall tool's probe: its calls (connect, accept4, ...) name its programs. */
export interface SyscallSpec<E> extends EventSpec<E, SyscallOptions> {
  calls: readonly string[];
}

/** The probe of tool `name` (object and program prefix alike) on `calls`, with the filters it applies. */
export function syscallSpec<E>(name: string, calls: readonly string[], filters: readonly FilterFlag[],
  decode: (dv: DataView, off: number) => E): SyscallSpec<E> {
  return { name, object: name, hooks: SYSCALL_HOOKS, filters, variants: syscallVariants(name, calls), rodata: syscallRodata, decode, calls };
}

/** The one way to attach: NETDX_SYS_PROGRAMS(prefix, call, ...) for each call. */
export function syscallVariants(prefix: string, calls: readonly string[]): Variant[] {
  return [{ via: 'tracepoint', programs: calls.flatMap((c) => [`${prefix}_enter_${c}`, `${prefix}_exit_${c}`]) }];
}

/** The options every syscall tool has: -x, only the calls that failed (netdx_sys.h only_failed). */
export interface SyscallOptions {
  failed?: boolean;
}

export const SYSCALL_OPTIONS = {
  failed: { type: 'bool', short: 'x', help: 'only calls that failed' },
} as const satisfies OptionSpecs;

/** The read-only config of SyscallOptions. */
export function syscallRodata(o: SyscallOptions | undefined): Record<string, boolean> {
  return { only_failed: !!o?.failed };
}

/** What the CLI's lost-event lines call a syscall tool's events. */
export const SYSCALL_NOUNS = { events: 'calls', untracked: 'calls not followed (too many in flight)' };

const AF_UNIX = 1;
const AF_INET = 2;
const AF_INET6 = 10;
const FAMILIES: Record<number, string> = { 0: 'unspec', 1: 'unix', 2: 'ipv4', 10: 'ipv6', 16: 'netlink', 17: 'packet', 40: 'vsock' };
const UNIX_TYPES: Record<number, string> = { 1: 'STREAM', 2: 'DGRAM', 5: 'SEQPACKET' };
const IP_PROTOS: Record<number, string> = { 1: 'ICMP', 6: 'TCP', 17: 'UDP', 58: 'ICMP', 132: 'SCTP', 136: 'UDPLITE', 262: 'MPTCP' };
const SOCK_RAW = 3;

/** A socket family's name: 'ipv4', 'ipv6', 'unix', ... or 'af<N>'. */
export function familyName(family: number): string {
  return FAMILIES[family] ?? `af${family}`;
}

/** 'TCP', 'UDP', 'RAW', 'UNIX-STREAM', ... from the socket's family, type and protocol; '-' for no socket. */
export function protoName(family: number, type: number, protocol: number): string {
  if (family === 0) return '-';
  if (family === AF_UNIX) return `UNIX-${UNIX_TYPES[type] ?? type}`;
  if (family === AF_INET || family === AF_INET6) return type === SOCK_RAW ? 'RAW' : IP_PROTOS[protocol] ?? `IP${protocol}`;
  return `${familyName(family).toUpperCase()}`;
}

/** A sockaddr's address as text: an IP address, a unix path ('@' starts an abstract name), or '-'. */
export function sockaddrText(family: number, addr: Uint8Array, path: string): string {
  if (family === AF_INET) return formatAddr(4, addr);
  if (family === AF_INET6) return formatAddr(6, addr);
  if (family === AF_UNIX) return path || '-';
  return '-';
}

/** What NETDX_SYS_EVENT_FILL wrote, as the raw decoder gives it. */
interface RawSysFields {
  ts_ns: number; latency_ns: number; pid: number; tid: number; comm: string; fd: number; err: number;
  netns: number; family: number; type: number; protocol: number;
}

/** The fields every syscall event has. */
export interface SyscallEvent {
  /** The call's return (CLOCK_MONOTONIC ns). */
  ts_ns: number;
  pid: number;
  tid: number;
  comm: string;
  /** The socket's network namespace inode (0: fd was not a socket). */
  netns: number;
  /** The fd the call was made on. */
  fd: number;
  /** The socket's family: 'ipv4', 'ipv6', 'unix', ... ('unspec': not a socket). */
  family: string;
  /** 'TCP', 'UDP', 'UNIX-STREAM', ... */
  proto: string;
  /** Entry to exit of the syscall, ms. */
  latency_ms: number;
  /** 0, or the errno the call returned. */
  err: number;
  /** 'OK' or the errno's name (EINPROGRESS, ECONNREFUSED, EAGAIN, EADDRINUSE, ...). */
  result: string;
}

export function syscallFields(r: RawSysFields): SyscallEvent {
  return {
    ts_ns: r.ts_ns, pid: r.pid, tid: r.tid, comm: r.comm, netns: r.netns, fd: r.fd,
    family: familyName(r.family), proto: protoName(r.family, r.type, r.protocol),
    latency_ms: r.latency_ns / 1e6, err: r.err, result: r.err === 0 ? 'OK' : errnoName(r.err),
  };
}

/** A decoder of a syscall event: the shared fields, and the tool's own from `extra`. */
export function syscallDecoder<L extends StructLayout, X>(layout: L, extra: (r: Decoded<L>) => X): (dv: DataView, off: number) => SyscallEvent & X {
  const raw = structDecoder(layout);
  return (dv, off) => {
    const r = raw(dv, off);
    // Object.assign, not {...a, ...b}: a double spread costs ~3 µs an event in V8 here, this ~0.1.
    return Object.assign(syscallFields(r as unknown as RawSysFields), extra(r));
  };
}

/** What a connect event tool's record holds beyond the shared fields (NETDX_SYS_CONNECT_FIELDS). */
export interface RawConnectFields { addr: Uint8Array; path: string; afamily: number; port: number; lport: number }

/** A connect() call (NETDX_SYS_CONNECT_PROGRAMS: soconnect, udpconnect). */
export interface ConnectEvent extends SyscallEvent {
  /** The address asked for: an IP address, a unix path ('@': abstract), or '-' (AF_UNSPEC). */
  daddr: string;
  /** The port asked for (0 for unix). */
  dport: number;
  /** The socket's local port after the call (0: none, or unknown). */
  lport: number;
}

/** The filters of NETDX_SYS_CONNECT_PROGRAMS. */
export const CONNECT_FILTERS: readonly FilterFlag[] = ['pid', 'lport', 'rport', 'family', 'netns', 'cgroup'];

/** A decoder of a connect event tool's records (`layout`: its struct of NETDX_SYS_CONNECT_FIELDS), the tool's own fields from `extra`. */
export function connectDecoder<X extends object = object>(layout: StructLayout, extra?: (r: RawConnectFields) => X): (dv: DataView, off: number) => ConnectEvent & X {
  return syscallDecoder(layout, (r) => {
    const c = r as unknown as RawConnectFields;
    const e = { daddr: sockaddrText(c.afamily, c.addr, c.path), dport: c.port, lport: c.lport };
    return (extra ? Object.assign(e, extra(c)) : e) as { daddr: string; dport: number; lport: number } & X;
  });
}

/** One latency histogram of a syscall latency tool (NETDX_SYS_HISTS). */
export interface SyscallHist {
  /** The owner (0: every process, without -P). */
  pid: number;
  comm: string;
  /** 'OK', or 'failed'. */
  result: 'OK' | 'failed';
  count: number;
  /** Exact sum of the latencies, ns. */
  total_ns: number;
  /** Each latency in µs. */
  hist: Histogram;
}

export interface SyscallHistReport {
  /** The interval's measured length. */
  seconds: number;
  /** By PID, OK before failed. */
  hists: SyscallHist[];
}

export interface SyscallHistOptions {
  /** A histogram per process (-P), rather than one for all. */
  pids?: boolean;
}

/** The probe of a latency tool: its key and value layouts are NETDX_SYS_HIST_KEY/VAL_FIELDS. */
export function syscallHistSpec(name: string, key: StructLayout, val: StructLayout, variants: readonly Variant[], hooks: readonly HookName[],
  filters: readonly FilterFlag[]): IntervalSpec<SyscallHistReport, SyscallHistOptions> {
  const k = structDecoder(key) as unknown as (dv: DataView, off: number) => { pid: number; failed: number };
  const v = structDecoder(val) as unknown as (dv: DataView, off: number) => { count: number; total_ns: number; slots: number[]; comm: string };
  const view = (b: Buffer) => new DataView(b.buffer, b.byteOffset, b.length);
  return {
    name, object: name, hooks, filters, variants,
    rodata: (o) => ({ per_pid: !!o?.pids }),
    collect(obj, seconds) {
      const rows = obj.map('hists').drain().map(([kb, vb]) => ({ k: k(view(kb), 0), v: v(view(vb), 0) }));
      rows.sort((a, b) => a.k.pid - b.k.pid || a.k.failed - b.k.failed);
      return {
        seconds,
        hists: rows.map(({ k: key, v: val }) => ({
          pid: key.pid, comm: val.comm, result: key.failed ? 'failed' : 'OK', count: val.count, total_ns: val.total_ns,
          hist: { unit: 'usecs', buckets: log2Buckets(val.slots) },
        })),
      };
    },
  };
}
