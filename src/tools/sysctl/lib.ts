// sysctl as a library: the tunables of tunables.ts with their values read from /proc/sys (of the
// calling process's network namespace: most net.* tunables are per-netns), whether each differs
// from the kernel's default, and why it matters. The evaluation is pure; only readTunables reads.
import { readFileSync, statSync } from 'node:fs';
import { withNetns, type NetnsRef } from '../../core/netns.js';
import { NetdxError } from '../../core/errors.js';
import { INITIAL_NS_ONLY } from '../../core/proc/sysctl.js';
import { TUNABLES, sysctlPath, type Tunable } from './tunables.js';

export interface TunableValue {
  name: string;
  /** False when the file exists neither here nor (for a global tunable) in the initial namespace. */
  present: boolean;
  /**
   * 'netns': a tunable of this network namespace. 'initial': one that exists only in the initial
   * namespace (net.core.netdev_max_backlog, tcp_mem, ...): it applies to every namespace, and is
   * changed there. Its value is read there when netdx may enter it; else `present` is false.
   */
  scope: 'netns' | 'initial';
  /** Whitespace runs collapsed to one space (tcp_rmem is tab-separated in /proc). */
  value: string | null;
  /** Values counted as default: from the table, or derived from this machine's other sysctls. */
  defaults: string[];
  /** How the default is chosen when it is not one fixed value. */
  rule: string | null;
  /** true: differs from every default; false: a default; null: unknown (no fixed default, absent, or a reading). */
  changed: boolean | null;
  reading: boolean;
  meaning: string;
}

/** Collapses whitespace as `sysctl -n` output compares: "4096\t131072\t6291456" -> "4096 131072 6291456". */
export function normalizeSysctl(raw: string): string {
  return raw.trim().split(/\s+/).filter(Boolean).join(' ');
}

/** Reads one sysctl; undefined when it does not exist here. */
export function readSysctl(name: string, procSys = '/proc/sys'): string | undefined {
  try {
    return normalizeSysctl(readFileSync(sysctlPath(name, procSys), 'utf8'));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw new NetdxError(code === 'EACCES' || code === 'EPERM' ? 'E_PERMISSION' : 'E_IO', `reading ${name}: ${code ?? String(e)}`, { cause: e });
  }
}

/**
 * Pure: values through `read`, compared with the defaults; `readInitial` reads the initial
 * namespace, for the tunables that live only there.
 */
export function evaluateTunables(read: (name: string) => string | undefined, tunables: readonly Tunable[] = TUNABLES,
  readInitial?: (name: string) => string | undefined): TunableValue[] {
  return tunables.map((t) => {
    const here = read(t.name);
    const initial = here === undefined ? readInitial?.(t.name) : undefined;
    const value = here ?? initial;
    const defaults = t.derive?.(read) ?? [...(t.defaults ?? [])];
    const known = defaults.length > 0 && !t.reading;
    return {
      name: t.name,
      present: value !== undefined,
      scope: initial !== undefined || (here === undefined && INITIAL_NS_ONLY.has(t.name)) ? 'initial' : 'netns',
      value: value ?? null,
      defaults,
      rule: t.rule ?? null,
      changed: value === undefined || !known ? null : !defaults.includes(value),
      reading: t.reading ?? false,
      meaning: t.meaning,
    };
  });
}

/**
 * The tunables of a network namespace (default: this thread's). /proc/sys files answer for the
 * namespace they are opened in. Those that exist only in the initial namespace are read there:
 * pid 1's namespace where it may be entered, else this process's own (netdx run on the host with
 * --netns), and otherwise they stay absent.
 */
export function readTunables(procSys = '/proc/sys', netns?: NetnsRef): TunableValue[] {
  const values = withNetns(netns, () => new Map(TUNABLES.map((t) => [t.name, readSysctl(t.name, procSys)])));
  const missing = TUNABLES.filter((t) => values.get(t.name) === undefined).map((t) => t.name);
  const here = inodeOr('/proc/thread-self/ns/net');
  const target = netns?.inode ?? here;
  const pid1 = inodeOr('/proc/1/ns/net');
  const initial: NetnsRef | undefined = pid1 !== undefined ? { path: '/proc/1/ns/net', inode: pid1 }
    : here !== undefined && here !== target ? { path: '/proc/thread-self/ns/net', inode: here } : undefined;
  let fromInitial: Map<string, string | undefined> | undefined;
  if (initial && initial.inode !== target && missing.length) {
    try {
      fromInitial = withNetns(initial, () => new Map(missing.map((n) => [n, readSysctl(n, procSys)])));
    } catch { fromInitial = undefined; } // not allowed to enter it: they stay absent
  }
  // a derived default may read a sysctl outside the table: in the same namespace
  const read = (n: string) => (values.has(n) ? values.get(n) : withNetns(netns, () => readSysctl(n, procSys)));
  return evaluateTunables(read, TUNABLES, fromInitial ? (n) => fromInitial!.get(n) : undefined);
}

function inodeOr(path: string): number | undefined {
  try { return statSync(path).ino; } catch { return undefined; }
}
