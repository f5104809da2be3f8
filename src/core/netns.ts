// Network namespaces: which one a name, a path or a process means, and running synchronous work
// inside one. setns(2) moves only the calling thread, and only for the duration of `fn`: the
// netlink sockets it creates and the /proc/net and /proc/sys files it opens stay bound to that
// namespace afterwards (the kernel takes the namespace when the socket or file is created), so a
// collector opens its handles inside once and then reads them from home. Every tool's --netns and
// the doctor go through here.
import { closeSync, openSync, readdirSync, readlinkSync, statSync } from 'node:fs';
import { NetdxError, errnoName } from './errors.js';
import { endianness } from 'node:os';
import { errno, libc, strerror } from './ffi.js';

const CLONE_NEWNET = 0x40000000;

export interface NetnsRef {
  /** The path it was opened from: /run/netns/NAME or /proc/PID/ns/net. */
  path: string;
  /** The name under /run/netns, when it has one. */
  name?: string;
  /** Its inode: what BPF programs see as sk->sk_net->ns.inum. */
  inode: number;
}

/** A namespace by name (under /run/netns, as `ip netns` makes them) or by path. */
export function resolveNetns(nameOrPath: string): NetnsRef {
  const path = nameOrPath.includes('/') ? nameOrPath : `/run/netns/${nameOrPath}`;
  let inode: number;
  try {
    inode = statSync(path).ino;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new NetdxError(code === 'EACCES' ? 'E_PERMISSION' : 'E_NOT_FOUND',
      `finding network namespace ${nameOrPath}: ${code === 'ENOENT' ? `no ${path}` : (e as Error).message}`);
  }
  return { path, inode, ...(nameOrPath.includes('/') ? {} : { name: nameOrPath }) };
}

/** The namespace a process lives in (a container's, say). */
export function netnsOfPid(pid: number): NetnsRef {
  const path = `/proc/${pid}/ns/net`;
  try {
    const inode = statSync(path).ino;
    return { path, inode, ...nameOf(inode) };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new NetdxError(code === 'ENOENT' ? 'E_NOT_FOUND' : code === 'EACCES' ? 'E_PERMISSION' : 'E_IO',
      `finding the network namespace of process ${pid}: ${code === 'ENOENT' ? 'no such process' : (e as Error).message}`);
  }
}

/** This process's own namespace. */
export function ownNetns(): NetnsRef {
  const inode = statSync('/proc/self/ns/net').ino;
  return { path: '/proc/self/ns/net', inode, ...nameOf(inode) };
}

/** The name under /run/netns that a namespace inode has, if any (for reports). */
function nameOf(inode: number): { name?: string } {
  try {
    for (const n of readdirSync('/run/netns')) if (statSync(`/run/netns/${n}`).ino === inode) return { name: n };
  } catch { /* no /run/netns */ }
  return {};
}

export function isOwnNetns(ref: NetnsRef | undefined): boolean {
  return !ref || ref.inode === statSync('/proc/self/ns/net').ino;
}

function enter(fd: number, what: string): void {
  if ((libc().setns(fd, CLONE_NEWNET) as number) < 0) {
    const e = errno();
    throw new NetdxError(e === 1 ? 'E_PERMISSION' : 'E_IO', `entering network namespace ${what}: ${strerror(e)} (${errnoName(e)})`, { errno: e });
  }
}

/**
 * Runs `fn` (synchronous) with the calling thread inside `target`, then returns it home, also
 * when `fn` throws. No target, or this process's own: `fn` runs as it is.
 */
export function withNetns<T>(target: NetnsRef | undefined, fn: () => T): T {
  if (isOwnNetns(target)) return fn();
  const home = openSync('/proc/thread-self/ns/net', 'r');
  let there: number | undefined;
  try {
    there = openSync(target!.path, 'r');
    enter(there, target!.name ?? target!.path);
    try {
      return fn();
    } finally {
      enter(home, 'home (the one netdx started in)');
    }
  } finally {
    if (there !== undefined) closeSync(there);
    closeSync(home);
  }
}

const AF_UNIX = 1;
const SOCK_DGRAM = 2;
const SOCK_CLOEXEC = 0o2000000;
const SOL_SOCKET = 1;
const SO_NETNS_COOKIE = 71;
const ENOPROTOOPT = 92;

/**
 * The namespace's cookie (SO_NETNS_COOKIE, Linux 5.14+): a 64-bit number the kernel gives each
 * namespace once per boot and never reuses, where inodes are reused as soon as a namespace is
 * freed. Undefined when the kernel is older. Read from a socket made inside `target`.
 */
export function netnsCookie(target?: NetnsRef): bigint | undefined {
  const c = libc();
  const fd = withNetns(target, () => c.socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0) as number);
  if (fd < 0) {
    const e = errno();
    throw new NetdxError('E_IO', `reading the cookie of network namespace ${target ? netnsLabel(target) : '(own)'}: socket: ${strerror(e)} (${errnoName(e)})`, { errno: e });
  }
  try {
    const val = Buffer.alloc(8);
    const len = Buffer.alloc(4);
    len.writeUInt32LE(8);
    if ((c.getsockopt(fd, SOL_SOCKET, SO_NETNS_COOKIE, val, len) as number) < 0) {
      const e = errno();
      if (e === ENOPROTOOPT) return undefined;
      throw new NetdxError('E_IO', `reading the cookie of network namespace ${target ? netnsLabel(target) : '(own)'}: ${strerror(e)} (${errnoName(e)})`, { errno: e });
    }
    return endianness() === 'LE' ? val.readBigUInt64LE() : val.readBigUInt64BE();
  } finally {
    c.close(fd);
  }
}

/** A label for a namespace in reports: its name, else net:[inode]. */
export function netnsLabel(ref: NetnsRef): string {
  return ref.name ?? `net:[${ref.inode}]`;
}

/** The inode in a /proc/PID/ns/net link text ("net:[4026531840]"). */
export function parseNsLink(link: string): number | undefined {
  const m = /^net:\[(\d+)\]$/.exec(link);
  return m ? Number(m[1]) : undefined;
}

/** The network namespace inode of a process, from its /proc link (undefined when gone). */
export function pidNetnsInode(pid: number): number | undefined {
  try { return parseNsLink(readlinkSync(`/proc/${pid}/ns/net`)); } catch { return undefined; }
}
