// nstat's history, netdx's own copy: what the counters were at the last run, so that a plain
// `netdx nstat` shows what changed since then, as iproute2's nstat does with its file
// (/tmp/.nstat.u<uid>, or $NSTAT_HISTORY). netdx never reads or writes nstat's file. Unlike
// nstat's, netdx's history is per network namespace: one file per namespace, named by its inode,
// in a private directory; the file also holds the namespace's cookie (inodes are reused as soon as
// a namespace is freed, cookies never within a boot) and the boot id, so that a history of another
// namespace or of an earlier boot is never subtracted from these counters.
//
// As in nstat, a run with patterns updates the baseline of the counters it showed only: the others
// keep theirs, so that each change is shown once. A counter's baseline therefore carries its own
// time (`sample`), from which its rate is computed.
import { lstatSync, mkdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { NetdxError } from '../../core/errors.js';
import { netnsCookie, type NetnsRef } from '../../core/netns.js';
import { deltaOf, type CounterDelta, type Counters } from './lib.js';

/** When a reading was taken: wall clock for people, the monotonic clock for rates. */
export interface HistorySample {
  /** ISO 8601 (UTC). */
  time: string;
  /** CLOCK_MONOTONIC in ns (process.hrtime.bigint()): comparable across processes of one boot. */
  monotonicNs: bigint;
}

/** Which namespace a history belongs to, and in which boot. */
export interface HistoryOwner {
  /** /proc/sys/kernel/random/boot_id. */
  boot: string;
  inode: number;
  /** SO_NETNS_COOKIE as a decimal string; absent on kernels before 5.14 (inode only, then). */
  cookie?: string;
}

export interface History {
  owner: HistoryOwner;
  /** When the last run that updated it read the counters. */
  last: HistorySample;
  /** Each counter's value at its last showing, and when that was (absent: zero then). */
  counters: Map<string, { value: bigint; sample: HistorySample }>;
}

/**
 * Who the history of a namespace (default: the calling thread's) belongs to: this boot, its
 * inode and its cookie.
 */
export function historyOwner(netns?: NetnsRef): HistoryOwner {
  let boot: string;
  try {
    boot = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch (e) {
    throw new NetdxError('E_IO', `reading /proc/sys/kernel/random/boot_id: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, { cause: e });
  }
  const path = netns?.path ?? '/proc/thread-self/ns/net';
  let inode: number;
  try {
    inode = statSync(path).ino;
  } catch (e) {
    throw new NetdxError('E_IO', `reading ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, { cause: e });
  }
  const cookie = netnsCookie(netns);
  return { boot, inode, ...(cookie !== undefined ? { cookie: String(cookie) } : {}) };
}

const FORMAT = 'netdx nstat history';
const VERSION = 1;

/**
 * The directory of the history files: $NETDX_NSTAT_HISTORY when set (`explicit`), else
 * /tmp/.netdx-nstat.u<uid> (nstat keeps its own in /tmp too).
 */
export function historyDir(env: Readonly<Record<string, string | undefined>>, uid: number): { dir: string; explicit: boolean } {
  const set = env.NETDX_NSTAT_HISTORY;
  if (set !== undefined && set !== '') return { dir: set, explicit: true };
  return { dir: `/tmp/.netdx-nstat.u${uid}`, explicit: false };
}

/** One file per namespace, by its inode. */
export function historyFile(dir: string, inode: number): string {
  return `${dir}/net-${inode}.json`;
}

/**
 * Makes the directory (0700) if missing and checks it is private: a directory of this user that
 * nobody else can write in. The default one, in /tmp, must not be a symlink either (another user
 * could have made it first). An explicit one may be a symlink, and is created with its parents.
 */
export function ensureHistoryDir(dir: string, explicit: boolean, uid: number): void {
  try {
    mkdirSync(dir, { mode: 0o700, recursive: explicit });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'EEXIST') throw new NetdxError(code === 'EACCES' ? 'E_PERMISSION' : 'E_IO', `making history directory ${dir}: ${code ?? String(e)}`, { cause: e });
  }
  let st;
  try {
    st = explicit ? statSync(dir) : lstatSync(dir);
  } catch (e) {
    throw new NetdxError('E_IO', `checking history directory ${dir}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, { cause: e });
  }
  const why = st.isSymbolicLink() ? 'a symbolic link' : !st.isDirectory() ? 'not a directory'
    : st.uid !== uid ? `owned by uid ${st.uid}, not ${uid}` : (st.mode & 0o022) !== 0 ? 'writable by other users' : undefined;
  if (why) throw new NetdxError('E_IO', `checking history directory ${dir}: ${why} (remove it, or set NETDX_NSTAT_HISTORY to a private directory)`);
}

/** The file's text as a History, or why it cannot be used (its owner is checked by the caller). */
export function parseHistory(text: string): History | string {
  let j: unknown;
  try { j = JSON.parse(text); } catch { return 'not JSON'; }
  const o = j as { netdx?: unknown; version?: unknown; owner?: Record<string, unknown>; last?: unknown; samples?: unknown; counters?: unknown };
  if (o?.netdx !== FORMAT || o.version !== VERSION) return `not a '${FORMAT}' version ${VERSION}`;
  const ow = o.owner;
  if (typeof ow?.boot !== 'string' || typeof ow.inode !== 'number' || (ow.cookie !== undefined && typeof ow.cookie !== 'string')) return 'no owner';
  if (!Array.isArray(o.samples) || typeof o.counters !== 'object' || o.counters === null) return 'no samples or counters';
  const samples: HistorySample[] = [];
  for (const s of o.samples as Array<{ time?: unknown; monotonic_ns?: unknown }>) {
    if (typeof s?.time !== 'string' || typeof s.monotonic_ns !== 'string' || !/^\d+$/.test(s.monotonic_ns)) return 'a bad sample';
    samples.push({ time: s.time, monotonicNs: BigInt(s.monotonic_ns) });
  }
  if (typeof o.last !== 'number' || !samples[o.last]) return 'no last run';
  const counters = new Map<string, { value: bigint; sample: HistorySample }>();
  for (const [name, v] of Object.entries(o.counters as Record<string, unknown>)) {
    if (!Array.isArray(v) || typeof v[0] !== 'string' || !/^-?\d+$/.test(v[0]) || typeof v[1] !== 'number' || !samples[v[1]]) return `a bad value for ${name}`;
    counters.set(name, { value: BigInt(v[0]), sample: samples[v[1]]! });
  }
  const owner = { boot: ow.boot, inode: ow.inode, ...(ow.cookie !== undefined ? { cookie: ow.cookie as string } : {}) };
  return { owner, last: samples[o.last]!, counters };
}

/** The file's text: each distinct sample once, counters pointing at theirs, in reading order. */
export function serializeHistory(h: History): string {
  const index = new Map<HistorySample, number>();
  const samples: Array<{ time: string; monotonic_ns: string }> = [];
  const at = (sample: HistorySample) => {
    let i = index.get(sample);
    if (i === undefined) {
      i = samples.length;
      index.set(sample, i);
      samples.push({ time: sample.time, monotonic_ns: String(sample.monotonicNs) });
    }
    return i;
  };
  const last = at(h.last);
  const counters: Record<string, [string, number]> = {};
  for (const [name, { value, sample }] of h.counters) counters[name] = [String(value), at(sample)];
  return `${JSON.stringify({ netdx: FORMAT, version: VERSION, owner: h.owner, last, samples, counters })}\n`;
}

export interface LoadedHistory {
  history?: History;
  /** Why a history file that was there is not used (a line for the user), when it is not. */
  note?: string;
}

/**
 * The history of `owner`'s namespace from `file`: none when there is no file; none and a note
 * when the file is of an earlier boot, of another namespace that had the same inode, or unreadable
 * (it is then replaced at the next update, as nstat does with a history that is "aged out").
 */
export function loadHistory(file: string, owner: HistoryOwner): LoadedHistory {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return {};
    throw new NetdxError(code === 'EACCES' ? 'E_PERMISSION' : 'E_IO', `reading history ${file}: ${code ?? String(e)}`, { cause: e });
  }
  const h = parseHistory(text);
  if (typeof h === 'string') return { note: `history ${file} is unreadable (${h}): starting over` };
  if (h.owner.boot !== owner.boot) return { note: 'history is from an earlier boot: starting over' };
  if (h.owner.inode !== owner.inode || h.owner.cookie !== owner.cookie) {
    return { note: `history is of an earlier namespace that had inode ${owner.inode}: starting over` };
  }
  return { history: h };
}

/** Writes the history atomically (a temporary file renamed over it), mode 0600. */
export function saveHistory(file: string, h: History): void {
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, serializeHistory(h), { mode: 0o600 });
    renameSync(tmp, file);
  } catch (e) {
    try { unlinkSync(tmp); } catch { /* not made */ }
    const code = (e as NodeJS.ErrnoException).code;
    throw new NetdxError(code === 'EACCES' ? 'E_PERMISSION' : 'E_IO', `writing history ${file}: ${code ?? String(e)}`, { cause: e });
  }
}

/** Removes the history (nstat -r); no file is fine. */
export function removeHistory(file: string): void {
  try {
    unlinkSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT') throw new NetdxError('E_IO', `removing history ${file}: ${code ?? String(e)}`, { cause: e });
  }
}

/**
 * The history after a run that read `cur` at `sample` and showed the counters `shown` accepts
 * (its patterns), exactly as nstat writes its file: those take their current value; the others
 * keep their baseline, or take the current value when they had none. Counters at zero are not
 * kept unless `zeros` (-z): absent counts as zero, except that a counter left out by the patterns
 * then takes its current value (nstat's quirk, kept so that both tools show the same).
 * Counters gone from the kernel are dropped.
 */
export function nextHistory(prev: History | undefined, owner: HistoryOwner, cur: Counters, sample: HistorySample,
  shown: (name: string) => boolean, zeros = false): History {
  const counters = new Map<string, { value: bigint; sample: HistorySample }>();
  for (const [name, value] of cur) {
    if (value === 0n && !zeros) continue;
    const before = prev?.counters.get(name);
    counters.set(name, !shown(name) && before ? before : { value, sample });
  }
  return { owner, last: sample, counters };
}

/**
 * Deltas of `cur` (read at `nowNs`) against each counter's baseline in `h`, rates over each
 * baseline's own span. A counter with no baseline (zero then, or absent) counts from 0 since the
 * last run.
 */
export function historyDeltas(h: History, cur: Counters, nowNs: bigint): CounterDelta[] {
  const out: CounterDelta[] = [];
  for (const [name, value] of cur) {
    const base = h.counters.get(name);
    const seconds = Number(nowNs - (base?.sample ?? h.last).monotonicNs) / 1e9;
    out.push(deltaOf(name, value, base?.value ?? 0n, seconds));
  }
  return out;
}
