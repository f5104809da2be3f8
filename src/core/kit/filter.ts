// The filters every BPF tool shares (bpf/include/netdx_filter.h): process, family, local and
// remote ports, network namespace and cgroup, as read-only config set before load. Library
// callers pass typed values; the CLI turns its flags into these (cli.ts).
import { statSync } from 'node:fs';
import { NetdxError } from '../errors.js';
import type { RodataValue } from '../bpf/object.js';

export const MAX_PORTS = 8;
const AF_INET = 2;
const AF_INET6 = 10;

export interface CommonFilter {
  /** Process (thread group) id. */
  pid?: number;
  /** Process name as in /proc/PID/comm (the kernel keeps its first 15 bytes). */
  comm?: string;
  family?: 4 | 6;
  /** Local ports (at most 8). */
  lports?: readonly number[];
  /** Remote ports (at most 8). */
  rports?: readonly number[];
  /** Network namespace inode (netnsInode() turns a name or path into one). */
  netns?: number;
  /** cgroup v2 id (cgroupId() turns a path into one). */
  cgroup?: number | bigint;
}

/** The filters a tool offers, by their CLI names (-p and --comm, -4/-6, -L, -D, --netns, --cgroup). */
export type FilterFlag = 'pid' | 'family' | 'lport' | 'rport' | 'netns' | 'cgroup';

const FLAG_OF: Record<keyof CommonFilter, FilterFlag> = {
  pid: 'pid', comm: 'pid', family: 'family', lports: 'lport', rports: 'rport', netns: 'netns', cgroup: 'cgroup',
};

/**
 * Refuses a filter the tool does not apply. Every object that includes netdx_filter.h declares
 * every filter variable, so the variables alone cannot say which filters its programs read.
 */
export function checkSupported(tool: string, f: CommonFilter, supported: readonly FilterFlag[]): void {
  for (const [k, v] of Object.entries(f) as Array<[keyof CommonFilter, unknown]>) {
    if (v === undefined || (Array.isArray(v) && v.length === 0)) continue;
    if (!supported.includes(FLAG_OF[k])) throw new NetdxError('E_USAGE', `filtering ${tool} by ${k}: this tool does not support it`);
  }
}

/** The object's variable for each filter. */
const VARS: Record<keyof CommonFilter, string> = {
  pid: 'filter_tgid', comm: 'filter_comm', family: 'filter_family', lports: 'filter_lports', rports: 'filter_rports',
  netns: 'filter_netns', cgroup: 'filter_cgroup',
};

function ports(name: string, list: readonly number[] | undefined): Buffer {
  if (list && list.length > MAX_PORTS) throw new NetdxError('E_USAGE', `parsing ${name}: at most ${MAX_PORTS} ports`);
  const b = Buffer.alloc(2 * MAX_PORTS);
  (list ?? []).forEach((p, i) => {
    if (!Number.isInteger(p) || p < 1 || p > 65535) throw new NetdxError('E_USAGE', `parsing ${name}: port ${p} is out of range 1-65535`);
    b.writeUInt16LE(p, 2 * i);
  });
  return b;
}

/** TASK_COMM_LEN: a task's name is at most 15 bytes and a NUL. */
const COMM_LEN = 16;

/** A --comm name as the kernel's 16 bytes; `what` names the parameter in errors. */
export function commBytes(comm: string | undefined, what = 'comm'): Buffer {
  const b = Buffer.alloc(COMM_LEN);
  if (comm === undefined) return b;
  const name = Buffer.from(comm, 'utf8');
  if (name.length === 0) throw new NetdxError('E_USAGE', `parsing ${what}: the name is empty`);
  if (name.includes(0) || name.includes(0x2f)) throw new NetdxError('E_USAGE', `parsing ${what}: ${JSON.stringify(comm)} is not a process name`);
  // the kernel cuts a task's name to 15 bytes, so a longer one could never match: say what would
  if (name.length >= COMM_LEN) {
    throw new NetdxError('E_USAGE', `parsing ${what}: ${comm} is longer than the kernel keeps (15 bytes): use ${name.subarray(0, COMM_LEN - 1).toString('utf8')}`);
  }
  name.copy(b);
  return b;
}

/** Checks a filter's values (library callers get the parameter's name in errors). */
export function checkFilter(f: CommonFilter): void {
  if (f.pid !== undefined && !(Number.isInteger(f.pid) && f.pid > 0)) throw new NetdxError('E_USAGE', `parsing pid: ${f.pid} is not a process id`);
  commBytes(f.comm);
  if (f.family !== undefined && f.family !== 4 && f.family !== 6) throw new NetdxError('E_USAGE', `parsing family: ${String(f.family)} is not 4 or 6`);
  ports('lports', f.lports);
  ports('rports', f.rports);
}

/**
 * The rodata values for a filter, for an object whose read-only variables are `declared`. A
 * filter the object cannot apply is an error, not a silent no-op.
 */
export function filterRodata(tool: string, f: CommonFilter, declared: ReadonlySet<string>): Record<string, RodataValue> {
  checkFilter(f);
  const out: Record<string, RodataValue> = {};
  for (const [k, v] of Object.entries(f) as Array<[keyof CommonFilter, unknown]>) {
    if (v === undefined || (Array.isArray(v) && v.length === 0)) continue;
    if (!declared.has(VARS[k])) throw new NetdxError('E_USAGE', `filtering ${tool} by ${k}: this tool does not support it`);
  }
  const set = (name: string, v: RodataValue) => { if (declared.has(name)) out[name] = v; };
  set('filter_tgid', f.pid ?? 0);
  set('filter_comm', commBytes(f.comm));
  set('filter_family', f.family === 4 ? AF_INET : f.family === 6 ? AF_INET6 : 0);
  set('filter_netns', f.netns ?? 0);
  set('filter_cgroup', BigInt(f.cgroup ?? 0));
  set('filter_n_lports', f.lports?.length ?? 0);
  set('filter_lports', ports('lports', f.lports));
  set('filter_n_rports', f.rports?.length ?? 0);
  set('filter_rports', ports('rports', f.rports));
  return out;
}

/**
 * A row's owner passes the process filters (-p, --comm): for the few tools that keep a socket
 * whose owner the kernel did not know yet and name it in user space.
 */
export function ownerMatches(f: Pick<CommonFilter, 'pid' | 'comm'>, o: { pid: number; comm: string }): boolean {
  return (f.pid === undefined || o.pid === f.pid) && (f.comm === undefined || o.comm === f.comm);
}

/**
 * A network namespace's inode from a name under /run/netns (as `ip netns` makes them) or a path
 * such as /proc/PID/ns/net.
 */
export function netnsInode(nameOrPath: string): number {
  const path = nameOrPath.includes('/') ? nameOrPath : `/run/netns/${nameOrPath}`;
  try {
    return statSync(path).ino;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new NetdxError(code === 'EACCES' ? 'E_PERMISSION' : 'E_NOT_FOUND',
      `finding network namespace ${nameOrPath}: ${code === 'ENOENT' ? `no ${path}` : (e as Error).message}`);
  }
}

/** A cgroup v2 id: the inode of its directory under /sys/fs/cgroup. */
export function cgroupId(path: string): number {
  const p = path.startsWith('/sys/fs/cgroup') ? path : `/sys/fs/cgroup/${path.replace(/^\/+/, '')}`;
  try {
    const st = statSync(p);
    if (!st.isDirectory()) throw new Error('not a directory');
    return st.ino;
  } catch (e) {
    throw new NetdxError('E_NOT_FOUND', `finding cgroup ${path}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? `no ${p}` : (e as Error).message}`);
  }
}
