// Which processes hold which sockets: each /proc/PID/fd/N is a link whose text names the open
// file, "socket:[INODE]" for a socket, and /proc/PID/comm names the process. The kernel has no
// socket -> process index (sock_diag reports inodes and uids only), so this is one pass over
// /proc, as ss -p makes. Shared by the tools that show owners (sockets, scaling's REUSEPORT
// groups); the link parser is pure, socketOwners() does the reading.
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { NetdxError } from '../errors.js';

export interface Owner { pid: number; comm: string; fd: number }

/** The socket inode an fd link's text names ("socket:[12345]"); undefined for any other file. */
export function parseSocketLink(link: string): number | undefined {
  if (!link.startsWith('socket:[') || !link.endsWith(']')) return undefined;
  const ino = Number(link.slice(8, -1));
  return Number.isInteger(ino) && ino > 0 ? ino : undefined;
}

/** A process's name from the text of /proc/PID/comm. */
export function parseComm(text: string): string {
  return text.trimEnd();
}

const isPid = (d: string) => d.charCodeAt(0) >= 48 && d.charCodeAt(0) <= 57;

/**
 * Socket inode -> owners, from the links in PROC/PID/fd. A process or fd that vanishes while we
 * read, or that is not ours to read, is skipped; only an unreadable PROC is an error. With
 * `pid`, only that process is read. `proc` is the procfs mount (tests point it at a tree of
 * their own).
 */
export function socketOwners(pid?: number, proc = '/proc'): Map<number, Owner[]> {
  const map = new Map<number, Owner[]>();
  let pids: string[];
  if (pid !== undefined) pids = [String(pid)];
  else {
    try { pids = readdirSync(proc).filter(isPid); }
    catch (e) { throw new NetdxError('E_IO', `reading ${proc}: ${(e as Error).message}`, { cause: e }); }
  }
  for (const p of pids) {
    let fds: string[];
    try { fds = readdirSync(`${proc}/${p}/fd`); } catch { continue; } // gone, or not ours to read
    let comm: string | undefined;
    for (const fd of fds) {
      let link: string;
      try { link = readlinkSync(`${proc}/${p}/fd/${fd}`); } catch { continue; }
      const ino = parseSocketLink(link);
      if (ino === undefined) continue;
      // read only for processes holding a socket: most of /proc holds none
      if (comm === undefined) {
        try { comm = parseComm(readFileSync(`${proc}/${p}/comm`, 'utf8')); } catch { comm = '?'; }
      }
      const o = { pid: Number(p), comm, fd: Number(fd) };
      const l = map.get(ino);
      if (l) l.push(o); else map.set(ino, [o]);
    }
  }
  return map;
}
