// sockets as a library: which sockets exist (sock_diag), who owns them (/proc/*/fd, through
// core/proc/owners.ts), filtered and sorted. The doctor and the exporter call listSockets();
// cli.ts only renders.
import { readFileSync } from 'node:fs';
import { NetdxError } from '../../core/errors.js';
import {
  ALL_STATES, TCP_STATES, dumpInetSockets, dumpUnixSockets, forEachInetDiagBody, parseInetDiagMsg, type InetSocket, type UnixSocket,
} from '../../core/netlink/sockdiag.js';
import { socketOwners, type Owner } from '../../core/proc/owners.js';
import { addrMatcher, type FilterEnds } from './filter.js';
import { parseSockstat, type Sockstat } from '../../core/proc/sockstat.js';
import { isOwnNetns, netnsLabel, netnsOfPid, withNetns, type NetnsRef } from '../../core/netns.js';

/** ss's default: every state but LISTEN, UNCONN (CLOSE), TIME-WAIT and SYN-RECV. */
export const CONNECTED_STATES = ALL_STATES & ~((1 << TCP_STATES.LISTEN) | (1 << TCP_STATES.CLOSE)
  | (1 << TCP_STATES.TIME_WAIT) | (1 << TCP_STATES.SYN_RECV) | (1 << TCP_STATES.NEW_SYN_RECV));
/** ss -l: listening TCP/unix sockets and bound unconnected UDP/raw ones. */
export const LISTENING_STATES = (1 << TCP_STATES.LISTEN) | (1 << TCP_STATES.CLOSE);

export interface SocketQuery {
  tcp?: boolean;
  udp?: boolean;
  raw?: boolean;
  unix?: boolean;
  family?: 4 | 6;
  /** Bitmask of 1<<TCP_STATE (default CONNECTED_STATES, as ss). */
  states?: number;
  /** tcp_info, congestion algorithm, INET_DIAG_MEMINFO. */
  info?: boolean;
  /** Either side's port is one of these. */
  ports?: readonly number[];
  /** Either side's address is one of these (IPv4-mapped ends match their IPv4 address). */
  addrs?: readonly string[];
  /** An ss filter expression (filter.ts): inet sockets it rejects are left out, unix ones all. */
  match?: (s: FilterEnds) => boolean;
  /** Attach owners (pid, comm, fd) by reading /proc. */
  owners?: boolean;
  /** Only sockets this process holds (implies owners). */
  pid?: number;
  /** The network namespace to list (default: this process's own). */
  netns?: NetnsRef;
  sort?: string;
}

export type OwnedInet = InetSocket & { owners?: Owner[] };
export type OwnedUnix = UnixSocket & { owners?: Owner[] };
export interface SocketList { inet: OwnedInet[]; unix: OwnedUnix[] }

/**
 * --addr's matcher: either end is one of these addresses. Accepts the forms netdx prints
 * ([::1], ::ffff:127.0.0.1) and CIDR prefixes; an IPv4 address also matches a dual-stack
 * socket's IPv4-mapped end, which is the same peer.
 */
export function addrListMatcher(addrs: readonly string[]): (s: FilterEnds) => boolean {
  const ms = addrs.map((a) => {
    if (/^[\d.]+:\d+$/.test(a) || /^\[.*\]:\d+$/.test(a)) {
      throw new NetdxError('E_USAGE', `parsing --addr: '${a}' has a port (use --port, or a filter: dst ${a})`);
    }
    try { return addrMatcher(a); } catch (e) {
      throw new NetdxError('E_USAGE', `parsing --addr: '${a}' is not an IPv4 or IPv6 address`, { cause: e });
    }
  });
  return (s) => ms.some((m) => m(s.family, s.laddr, s.lport) || m(s.family, s.raddr, s.rport));
}

const ASCENDING = new Set(['lport', 'rport', 'laddr', 'raddr', 'state', 'inode', 'pid', 'proto', 'uid']);

/** The numeric or string a socket sorts by; tcp_info and mem fields by their kernel names. */
function sortKey(s: OwnedInet | OwnedUnix, f: string): number | string {
  const r = s as unknown as Record<string, unknown>;
  if (f === 'pid') return s.owners?.[0]?.pid ?? Infinity;
  const top = r[f];
  if (typeof top === 'number' || typeof top === 'string') return top;
  const ti = (s as OwnedInet).tcp_info?.[f];
  if (ti !== undefined) return ti;
  const m = (s.mem as Record<string, number> | undefined)?.[f];
  return m ?? -1;
}

export const SORT_FIELDS = ['recv_q', 'send_q', 'lport', 'rport', 'laddr', 'raddr', 'state', 'inode', 'pid', 'uid',
  'rtt', 'rttvar', 'min_rtt', 'snd_cwnd', 'bytes_acked', 'bytes_received', 'bytes_sent', 'bytes_retrans',
  'total_retrans', 'lost', 'delivery_rate', 'pacing_rate', 'notsent_bytes', 'rmem_alloc', 'wmem_queued', 'drops'];

export function sortSockets<T extends OwnedInet | OwnedUnix>(list: T[], field: string): T[] {
  const asc = ASCENDING.has(field);
  const keyed = list.map((s) => [sortKey(s, field), s] as const);
  keyed.sort((a, b) => {
    const x = a[0], y = b[0];
    const c = typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y));
    return asc ? c : -c;
  });
  return keyed.map((k) => k[1]);
}

/**
 * Each socket matching the query (inet by protocol, then unix), owners attached when asked, as the
 * kernel reports them: nothing is held, so a host with 100,000 sockets costs no more memory than
 * one with 100 (listSockets() collects and sorts these).
 */
export function forEachSocket(q: SocketQuery, each: (s: OwnedInet | OwnedUnix) => void): void {
  const states = q.states ?? CONNECTED_STATES;
  const ports = q.ports?.length ? new Set(q.ports) : undefined;
  const addrs = q.addrs?.length ? addrListMatcher(q.addrs) : undefined;
  const owners = q.owners || q.pid !== undefined ? socketOwners(q.pid) : undefined;
  /** Attaches owners; false when --pid asks for sockets of a process and this is not one. */
  const own = (s: OwnedInet | OwnedUnix) => {
    const o = owners?.get(s.inode);
    if (o) s.owners = o;
    return q.pid === undefined || o !== undefined;
  };
  const inet = (s: OwnedInet) => {
    if (ports && !ports.has(s.lport) && !ports.has(s.rport)) return;
    if (addrs && !addrs(s)) return;
    if (q.match && !q.match(s)) return;
    if (own(s)) each(s);
  };
  for (const protocol of ['tcp', 'udp', 'raw'] as const) {
    if (!q[protocol]) continue;
    const opts = { protocol, family: q.family, states, info: q.info, netns: q.netns };
    // raw: dumpInetSockets reads /proc/net/raw{,6} where the kernel has no raw_diag
    if (protocol === 'raw') for (const s of dumpInetSockets(opts)) inet(s);
    else forEachInetDiagBody(opts, (b, p) => inet(parseInetDiagMsg(b, p)));
  }
  // port and address filters are about inet sockets
  if (q.unix && !q.family && !ports && !addrs && !q.match) for (const s of dumpUnixSockets({ states, netns: q.netns })) if (own(s)) each(s);
}

/** Sockets matching the query, owners attached when asked, sorted when asked. */
export function listSockets(q: SocketQuery): SocketList {
  const out: SocketList = { inet: [], unix: [] };
  forEachSocket(q, (s) => { if (s.proto === 'unix') out.unix.push(s); else out.inet.push(s); });
  if (q.sort) {
    out.inet = sortSockets(out.inet, q.sort);
    out.unix = sortSockets(out.unix, q.sort);
  }
  return out;
}

/** /proc/net/sockstat and sockstat6 merged (what ss -s prints). */
export function socketSummary(netns?: NetnsRef): Sockstat {
  const read = (f: string) => { try { return readFileSync(f, 'utf8'); } catch { return ''; } };
  // /proc/net is the namespace of the thread that opens it
  const [v4, v6] = withNetns(netns, () => [read('/proc/net/sockstat'), read('/proc/net/sockstat6')]);
  return { ...parseSockstat(v4), ...parseSockstat(v6) };
}

/**
 * The namespace a sockets query should list when it names a process: that process's (a
 * container's) when no namespace was asked for, and a usage error when one was and the process is
 * not in it. `note` says when the process was followed into another namespace.
 */
export function namespaceForPid(pid: number, asked: NetnsRef | undefined): { netns?: NetnsRef; note?: string } {
  const pns = netnsOfPid(pid); // also: no such process
  if (asked) {
    if (asked.inode !== pns.inode) throw new NetdxError('E_USAGE', `parsing --pid: process ${pid} is not in network namespace ${netnsLabel(asked)}`);
    return { netns: asked };
  }
  if (isOwnNetns(pns)) return {};
  return { netns: pns, note: `process ${pid} lives in network namespace ${netnsLabel(pns)}: listing its sockets there` };
}
