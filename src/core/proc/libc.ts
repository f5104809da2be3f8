// The C library a process really maps, as a path this process can open: for uprobes on its
// functions. A process in a container or a chroot maps its own libc, not the host's (BCC issue
// #853): its /proc/PID/maps names the file as that process sees it, so the path is checked
// against the mapped inode and, where it names another file here, taken through /proc/PID/root
// (its root and mount namespace), or last through /proc/PID/map_files.
import { readFileSync, statSync } from 'node:fs';
import { NetdxError } from '../errors.js';

/** glibc (libc.so.6, old libc-2.x.so) and musl (its dynamic loader is its libc). */
const LIBC = /\/(libc\.so\.6|libc-[\d.]+\.so|libc\.musl-[\w-]+\.so\.1|ld-musl-[\w-]+\.so\.1)$/;

export interface MappedFile {
  /** As the process sees it (relative to its root). */
  path: string;
  inode: number;
  /** The mapping's range, hex, as /proc/PID/map_files names it. */
  range: string;
}

/** The libc mapped in a /proc/PID/maps text; undefined when none is (a static binary). */
export function libcInMaps(maps: string): MappedFile | undefined {
  for (const line of maps.split('\n')) {
    // start-end perms offset dev inode path
    const m = /^([0-9a-f]+-[0-9a-f]+)\s+\S+\s+\S+\s+\S+\s+(\d+)\s+(\/.*?)(?: \(deleted\))?$/.exec(line);
    if (m && LIBC.test(m[3]!)) return { range: m[1]!, inode: Number(m[2]), path: m[3]! };
  }
  return undefined;
}

export interface Libc {
  /** The path to open (and attach uprobes by). */
  path: string;
  /** How it was found, for the user. */
  how: string;
}

function inodeOf(path: string): number | undefined {
  try { return statSync(path).ino; } catch { return undefined; }
}

function readMaps(pid: number | 'self'): string {
  try {
    return readFileSync(`/proc/${pid}/maps`, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new NetdxError(code === 'EACCES' ? 'E_PERMISSION' : 'E_NOT_FOUND',
      `finding the C library of process ${pid}: ${code === 'ENOENT' ? 'no such process' : (e as Error).message}`);
  }
}

/**
 * The libc of process `pid`; without one, the libc this process maps (the one the machine's
 * programs load), said in `how`.
 */
export function libcOf(pid?: number): Libc {
  if (pid === undefined) {
    const m = libcInMaps(readMaps('self'));
    // not mapped (a static node): the dynamic loader's name, which libbpf looks up in its paths
    return m ? { path: m.path, how: `the system's libc ${m.path}` } : { path: 'libc.so.6', how: "the system's libc.so.6" };
  }
  const m = libcInMaps(readMaps(pid));
  if (!m) {
    throw new NetdxError('E_NOT_FOUND', `finding the C library of process ${pid}: it maps none (a static binary, or a runtime with its own resolver: dnslat sees those on the wire)`);
  }
  const ways: Array<[string, string]> = [
    [m.path, ''],
    [`/proc/${pid}/root${m.path}`, ' (in its own root: another mount namespace or a chroot)'],
    [`/proc/${pid}/map_files/${m.range}`, ` (its ${m.path}, not reachable through its root)`],
  ];
  for (const [path, where] of ways) if (inodeOf(path) === m.inode) return { path, how: `the libc process ${pid} maps, ${path}${where}` };
  throw new NetdxError('E_NOT_FOUND', `finding the C library of process ${pid}: ${m.path} (inode ${m.inode}) cannot be opened from here`);
}
