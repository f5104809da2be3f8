// scaling: SO_REUSEPORT accept groups, i.e. TCP listeners sharing one address:port, with each
// member's accept queue and owner. Grouping is pure; the socket dump and the owner scan read.
import { socketOwners } from '../../core/proc/owners.js';
import type { NetnsRef } from '../../core/netns.js';

export interface ReuseportMember {
  inode: number;
  uid: number;
  /** Connections waiting to be accepted (the accept queue) and its limit (listen backlog). */
  recv_q: number;
  send_q: number;
  pid?: number;
  comm?: string;
}

export interface ReuseportGroup {
  proto: 'tcp';
  family: 4 | 6;
  laddr: string;
  lport: number;
  members: ReuseportMember[];
}

export interface ListenSocket {
  family: 4 | 6;
  laddr: string;
  lport: number;
  recv_q: number;
  send_q: number;
  inode: number;
  uid: number;
}

/**
 * Pure: listeners sharing one address:port. Two TCP LISTEN sockets can bind the same laddr:lport
 * in one namespace only with SO_REUSEPORT, so every group of 2+ is a REUSEPORT group.
 */
export function groupReuseport(socks: readonly ListenSocket[], owners?: ReadonlyMap<number, { pid: number; comm: string }>): ReuseportGroup[] {
  const groups = new Map<string, ReuseportGroup>();
  for (const s of socks) {
    const key = `${s.family}|${s.laddr}|${s.lport}`;
    let g = groups.get(key);
    if (!g) groups.set(key, g = { proto: 'tcp', family: s.family, laddr: s.laddr, lport: s.lport, members: [] });
    const o = owners?.get(s.inode);
    g.members.push({ inode: s.inode, uid: s.uid, recv_q: s.recv_q, send_q: s.send_q, pid: o?.pid, comm: o?.comm });
  }
  return [...groups.values()]
    .filter((g) => g.members.length >= 2)
    .map((g) => ({ ...g, members: g.members.sort((x, y) => x.inode - y.inode) }))
    .sort((x, y) => x.lport - y.lport || x.laddr.localeCompare(y.laddr));
}

/** Socket inode -> first owning process, from a scan of /proc/PID/fd (core/proc/owners.ts). */
export function listenerOwners(): Map<number, { pid: number; comm: string }> {
  // Only scanned when there are groups: a pass over every /proc/PID/fd is not free.
  const out = new Map<number, { pid: number; comm: string }>();
  for (const [inode, owners] of socketOwners()) if (owners[0]) out.set(inode, { pid: owners[0].pid, comm: owners[0].comm });
  return out;
}

const TCP_LISTEN = 10;

/** LISTEN TCP sockets (v4 and v6) of a namespace (default: this thread's) via sock_diag. */
export async function listTcpListeners(netns?: NetnsRef): Promise<ListenSocket[]> {
  // Loaded here so the parsers and the verdict engine do not pull in the FFI.
  const { dumpInetSockets } = await import('../../core/netlink/sockdiag.js');
  return dumpInetSockets({ protocol: 'tcp', states: 1 << TCP_LISTEN, netns })
    .filter((s) => s.state === 'LISTEN')
    .map((s) => ({ family: s.family, laddr: s.laddr, lport: s.lport, recv_q: s.recv_q, send_q: s.send_q, inode: s.inode, uid: s.uid }));
}
