// The TCP event tools' common parts (bpf/include/netdx_tcpev.h): the ways to attach a tool whose
// hooks each come as raw_tp, tracepoint and tp_btf programs beside the owner cache's programs, and
// the socket block every such event starts with.
import { formatAddr } from '../addr.js';
import type { HookName } from '../bpf/features.js';
import { AF_INET6, TCP_STATES } from '../netlink/sockdiag.js';
import { structDecoder, type Decoded, type StructLayout } from '../bpf/struct.js';
import { ndjson, type Column } from '../output.js';
import type { Layer, OptionSpecs, ToolDef } from '../tool.js';
import { eventTool, socketColumns, WIDE_OPTION } from './cli.js';
import type { EventSpec } from './events.js';
import type { Variant } from './load.js';
import { ownerIoPrograms, ownerPrograms } from './owner.js';

/** What a TCP event tool needs of the kernel: raw tracepoints, syscall tracepoints (accept), a ring. */
export const TCPEV_HOOKS: readonly HookName[] = ['raw_tracepoint', 'syscall_tracepoint', 'ringbuf'];

/**
 * Variants for `prefix`: raw_tp first (cheapest, quick to load), the classic tracepoint, tp_btf
 * last (it parses the kernel's whole BTF). Each loads `prefix_state_K` (the owner cache on
 * inet_sock_set_state) and `prefix_HOOK_K` for each of `hooks` (K: raw, tp, btf), the accept
 * programs, and send/recv where the kernel has them (6.3+).
 */
export function tcpEvVariants(prefix: string, hooks: readonly string[]): Variant[] {
  return (['raw', 'tp', 'btf'] as const).map((k) => ({
    via: { raw: 'raw_tp', tp: 'tracepoint', btf: 'tp_btf' }[k],
    programs: [`${prefix}_state_${k}`, ...hooks.map((h) => `${prefix}_${h}_${k}`), ...ownerPrograms(prefix)],
    optional: ownerIoPrograms(prefix, k),
  }));
}

export type TcpStateName = keyof typeof TCP_STATES;
const STATE_NAMES: string[] = [];
for (const [name, n] of Object.entries(TCP_STATES)) STATE_NAMES[n] = name;

/** A TCP state's name (ESTABLISHED, SYN_SENT, ...); '-' for 0 (no socket). */
export function tcpStateName(n: number): string {
  return n === 0 ? '-' : STATE_NAMES[n] ?? `STATE_${n}`;
}

/** The socket block (NETDX_TCPEV_SOCK_FIELDS) as decoded by structDecoder. */
interface RawSock { saddr: Uint8Array; daddr: Uint8Array; ts_ns: number; pid: number; netns: number; sport: number; dport: number; family: number; state: number; comm: string }

/** What every TCP event says about its socket. */
export interface TcpSockInfo {
  /** Event time (CLOCK_MONOTONIC ns). */
  ts_ns: number;
  /** The owning process from the owner cache; 0 when unknown (a socket not yet accepted, or none). */
  pid: number;
  comm: string;
  /** Network namespace inode. */
  netns: number;
  family: 4 | 6;
  laddr: string;
  lport: number;
  raddr: string;
  rport: number;
  /** TCP state at the event ('-': no socket). */
  state: string;
}

function tcpSockInfo(r: RawSock): TcpSockInfo {
  const family = r.family === AF_INET6 ? 6 : 4;
  return {
    ts_ns: r.ts_ns, pid: r.pid, comm: r.comm, netns: r.netns, family,
    laddr: formatAddr(family, r.saddr), lport: r.sport, raddr: formatAddr(family, r.daddr), rport: r.dport,
    state: tcpStateName(r.state),
  };
}

/** The table columns of a TCP event: the process, both ends (socketColumns) and the state. */
export function tcpEvColumns<E extends TcpSockInfo>(wide: boolean): Array<Column<E> & { width: number }> {
  return [...socketColumns<E>(wide), { header: 'STATE', get: (e) => e.state, width: 11 }];
}

/**
 * A decoder for an event struct that starts with NETDX_TCPEV_SOCK_FIELDS: the socket block, then
 * what `rest` makes of the tool's own fields (r: the struct decoded; dv, off: the record).
 */
export function tcpEvDecoder<L extends StructLayout, X>(layout: L, rest: (r: Decoded<L>, dv: DataView, off: number) => X): (dv: DataView, off: number) => TcpSockInfo & X {
  const raw = structDecoder(layout);
  return (dv, off) => {
    const r = raw(dv, off);
    // Object.assign, not {...a, ...b}: a double spread costs ~3 µs an event in V8 here (sys.ts).
    return Object.assign(tcpSockInfo(r as unknown as RawSock), rest(r, dv, off));
  };
}

export interface TcpEventToolDef<E extends TcpSockInfo> {
  name: string;
  layer: Layer;
  summary: string;
  replaces: string;
  examples: readonly string[];
  spec: EventSpec<E>;
  /** "Tracing <what>..." */
  tracing: string;
  nouns: { events: string; untracked: string };
  /** The tool's own options, beside -w. */
  options?: OptionSpecs;
  /** A STATE column after the ends (default true). */
  state?: boolean;
  /** The tool's own columns, after the process, the ends and the state. */
  columns(opts: Record<string, unknown>): ReadonlyArray<Column<E> & { width?: number }>;
}

/** The CLI of a TCP event tool: -w, the process, both ends and the state, its columns, NDJSON. */
export function tcpEventTool<E extends TcpSockInfo>(def: TcpEventToolDef<E>): ToolDef<OptionSpecs> {
  return eventTool<E, OptionSpecs>({
    ...def,
    options: { ...WIDE_OPTION, ...def.options },
    columns: (o) => [...(def.state === false ? socketColumns<E>(!!o.wide) : tcpEvColumns<E>(!!o.wide)), ...def.columns(o)],
    json: (e) => ndjson(e),
    time: (e) => e.ts_ns,
  });
}
