// sysctl as a library: the tunables of tunables.ts with their values read from /proc/sys (of the
// calling process's network namespace: most net.* tunables are per-netns), whether each differs
// from the kernel's default, and why it matters. The evaluation is pure; only readTunables reads.
import { readFileSync } from 'node:fs';
import { NetdxError } from '../../core/errors.js';
import { TUNABLES, sysctlPath, type Tunable } from './tunables.js';

export interface TunableValue {
  name: string;
  /** False when the file does not exist here (module not loaded, global tunable seen from a netns). */
  present: boolean;
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

/** Pure: values through `read`, compared with the defaults. */
export function evaluateTunables(read: (name: string) => string | undefined, tunables: readonly Tunable[] = TUNABLES): TunableValue[] {
  return tunables.map((t) => {
    const value = read(t.name);
    const defaults = t.derive?.(read) ?? [...(t.defaults ?? [])];
    const known = defaults.length > 0 && !t.reading;
    return {
      name: t.name,
      present: value !== undefined,
      value: value ?? null,
      defaults,
      rule: t.rule ?? null,
      changed: value === undefined || !known ? null : !defaults.includes(value),
      reading: t.reading ?? false,
      meaning: t.meaning,
    };
  });
}

export function readTunables(procSys = '/proc/sys'): TunableValue[] {
  return evaluateTunables((n) => readSysctl(n, procSys));
}
