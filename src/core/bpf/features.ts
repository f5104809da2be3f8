// Honest feature detection: a hook is supported when the kernel loads and attaches a real
// minimal program on it (probes.bpf.c), and unsupported only when the kernel says so. A
// permission refusal is reported as such, never as "unsupported".
import { bpfPrivilegeHint, effectiveCaps, missingBpfCaps } from '../proc/caps.js';
import { libcOf } from '../proc/libc.js';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { NetdxError, errnoName } from '../errors.js';
import { libbpf, libc, errno, strerror } from '../ffi.js';
import { BpfObject } from './object.js';
import { bpfObjectPath } from './paths.js';

export type HookName =
  | 'tracepoint' | 'syscall_tracepoint' | 'raw_tracepoint' | 'tp_btf'
  | 'kprobe' | 'fentry' | 'uprobe' | 'ringbuf' | 'bpf_stats';

export const HOOK_NAMES: readonly HookName[] = [
  'tracepoint', 'syscall_tracepoint', 'raw_tracepoint', 'tp_btf', 'kprobe', 'fentry', 'uprobe', 'ringbuf', 'bpf_stats',
];

export type HookStatus = 'supported' | 'unsupported' | 'permission' | 'error';

export interface HookResult {
  supported: boolean;
  status: HookStatus;
  detail: string;
  errno?: string;
}

/** What a user can do when a hook is missing, per hook. */
export const HOOK_FIXES: Record<HookName, string> = {
  tracepoint: 'a kernel with CONFIG_TRACEPOINTS and tracefs mounted',
  syscall_tracepoint: 'a kernel with CONFIG_FTRACE_SYSCALLS',
  raw_tracepoint: 'Linux 4.17 or later',
  tp_btf: 'Linux 5.5 or later with BTF (CONFIG_DEBUG_INFO_BTF=y)',
  kprobe: 'a kernel with CONFIG_KPROBES=y',
  fentry: 'Linux 5.5+ with BTF on x86_64/arm64, and no policy refusing tracing programs',
  uprobe: 'a kernel with CONFIG_UPROBE_EVENTS=y',
  ringbuf: 'Linux 5.8 or later',
  bpf_stats: 'Linux 5.8 or later (BPF_ENABLE_STATS)',
};

const PROBE_PROGRAM: Record<Exclude<HookName, 'bpf_stats'>, string> = {
  tracepoint: 'probe_tracepoint',
  syscall_tracepoint: 'probe_syscall_tracepoint',
  raw_tracepoint: 'probe_raw_tracepoint',
  tp_btf: 'probe_tp_btf',
  kprobe: 'probe_kprobe',
  fentry: 'probe_fentry',
  uprobe: 'probe_uprobe',
  ringbuf: 'probe_ringbuf',
};

export const TRACEFS = '/sys/kernel/tracing';

/**
 * libbpf resolves tracepoint ids through tracefs; mount it when missing. Returns a note for the
 * user when it mounted it (the only change netdx makes without a flag, as the kernel docs
 * expect tracefs there).
 */
export function ensureTracefs(): string | undefined {
  if (existsSync(`${TRACEFS}/events`) || existsSync('/sys/kernel/debug/tracing/events')) return undefined;
  // Mounted but unreadable is not "not mounted": tracefs is mode 0700, so another user cannot
  // even see its files; the mount table says whether it is there.
  const at = tracefsMounts(readFileSync('/proc/self/mountinfo', 'utf8'))[0];
  if (at !== undefined) {
    let mode = '?';
    try { mode = (statSync(at).mode & 0o7777).toString(8).padStart(4, '0'); } catch { /* keep '?' */ }
    throw new NetdxError('E_PERMISSION', `reading tracefs at ${at}: mounted, but not readable by uid ${process.getuid?.()} (mode ${mode}); run as root`);
  }
  const rc = libc().mount('tracefs', TRACEFS, 'tracefs', 0, null) as number;
  if (rc < 0) {
    const e = errno();
    throw new NetdxError(e === 1 ? 'E_PERMISSION' : 'E_UNSUPPORTED',
      `mounting tracefs at ${TRACEFS}: ${strerror(e)} (${errnoName(e)})`, { errno: e });
  }
  return `mounted tracefs at ${TRACEFS} (it was not mounted)`;
}

/** Mount points of tracefs in a /proc/PID/mountinfo text (field 5 is the mount point, after "-" the type). */
export function tracefsMounts(mountinfo: string): string[] {
  const out: string[] = [];
  for (const line of mountinfo.split('\n')) {
    const f = line.split(' ');
    const dash = f.indexOf('-');
    // octal escapes (\040 for a space) in the mount point, as the kernel writes them
    if (dash > 4 && f[dash + 1] === 'tracefs') out.push(f[4]!.replace(/\\([0-7]{3})/g, (_m, o: string) => String.fromCharCode(parseInt(o, 8))));
  }
  return out;
}


/** CAP_SYS_ADMIN, or CAP_BPF with CAP_PERFMON, in this process's effective set. */
export function hasBpfCapabilities(): boolean {
  const caps = effectiveCaps();
  return caps.includes('cap_sys_admin') || (caps.includes('cap_bpf') && caps.includes('cap_perfmon'));
}

/**
 * What a failure to load or attach a program on `hook` says about the hook. "unsupported" only
 * when the kernel says the thing does not exist; "permission" only for a refusal that is not the
 * verifier's (which also answers EACCES, with a log: a rejected program, not a privilege issue).
 */
export function classifyHookError(err: unknown, hook: HookName): HookResult {
  if (!(err instanceof NetdxError)) return { supported: false, status: 'error', detail: String(err) };
  const e = err.errno ?? 0;
  const name = e ? errnoName(e) : undefined;
  if (err.code === 'E_BPF_LOAD' && err.detail) {
    return { supported: false, status: 'error', errno: name,
      detail: `the verifier rejected the probe program (${name}): ${err.detail.split('\n').slice(-1)[0]!.trim()}` };
  }
  if (e === 1 || e === 13) {
    return {
      supported: false, status: 'permission', errno: name,
      detail: hasBpfCapabilities()
        ? `the kernel refused it with ${name} although netdx has CAP_BPF/CAP_SYS_ADMIN: a policy (lockdown, an LSM, or the hypervisor) forbids ${hook} programs here`
        : `${name}: ${bpfPrivilegeHint(missingBpfCaps())}`,
    };
  }
  // a refusal before the kernel was asked (tracefs mounted but unreadable to this user)
  if (err.code === 'E_PERMISSION') return { supported: false, status: 'permission', errno: name, detail: err.message };
  if (hook === 'kprobe' && !existsSync('/sys/bus/event_source/devices/kprobe') && !existsSync(`${TRACEFS}/kprobe_events`)) {
    return { supported: false, status: 'unsupported', errno: name,
      detail: `kernel has no kprobe support (no kprobe PMU, no kprobe_events): attach failed with ${name}` };
  }
  const unsupportedErrnos = [2, 22, 95, 524, 38, 19];
  return {
    supported: false, status: unsupportedErrnos.includes(e) ? 'unsupported' : 'error', errno: name,
    detail: err.message + (err.detail ? ` — ${err.detail.split('\n').slice(-1)[0]!.trim()}` : ''),
  };
}

/** Loads and attaches the minimal program for one hook; the program is detached at once. */
export function probeHook(hook: HookName): HookResult {
  if (hook === 'bpf_stats') {
    const fd = libbpf().bpf_enable_stats(0 /* BPF_STATS_RUN_TIME */) as number;
    if (fd < 0) return classifyHookError(new NetdxError('E_UNSUPPORTED', `enabling BPF run-time stats: ${strerror(-fd)}`, { errno: -fd }), hook);
    libc().close(fd);
    return { supported: true, status: 'supported', detail: 'BPF_ENABLE_STATS(BPF_STATS_RUN_TIME) accepted' };
  }
  let obj: BpfObject | undefined;
  const prog = PROBE_PROGRAM[hook];
  try {
    if (['tracepoint', 'syscall_tracepoint', 'ringbuf'].includes(hook)) ensureTracefs();
    obj = BpfObject.open(bpfObjectPath('probes'));
    obj.selectPrograms([prog]);
    obj.load();
    const where = obj.sectionName(prog);
    if (hook === 'uprobe') obj.attachUprobeFunc(prog, libcOf().path, 'getpid');
    else obj.attach(prog);
    return { supported: true, status: 'supported', detail: `loaded and attached ${where}${hook === 'uprobe' ? ' on libc getpid' : ''}` };
  } catch (err) {
    return classifyHookError(err, hook);
  } finally {
    obj?.close();
  }
}

const cache = new Map<HookName, HookResult>();
export function probeHookCached(hook: HookName): HookResult {
  let r = cache.get(hook);
  if (!r) { r = probeHook(hook); cache.set(hook, r); }
  return r;
}

/** The hook kind of a program's SEC() name (libbpf's section conventions). */
export function hookOfSection(section: string): HookName | undefined {
  const s = section.replace(/^(\w+)\.s\//, '$1/'); // sleepable variants
  if (/^(raw_tp|raw_tracepoint)(\/|$)/.test(s)) return 'raw_tracepoint';
  if (/^tp_btf\//.test(s)) return 'tp_btf';
  if (/^(tracepoint|tp)\/syscalls\//.test(s)) return 'syscall_tracepoint';
  if (/^(tracepoint|tp)\//.test(s)) return 'tracepoint';
  if (/^k(ret)?probe(\.multi)?(\/|$)/.test(s)) return 'kprobe';
  if (/^f(entry|exit)(\/|$)/.test(s)) return 'fentry';
  if (/^u(ret)?probe(\.multi)?(\/|$)/.test(s)) return 'uprobe';
  return undefined;
}

function missing(tool: string, h: HookName, r: HookResult): NetdxError {
  if (r.status === 'permission') return new NetdxError('E_PERMISSION', `starting ${tool}: ${h} programs refused (${r.detail})`);
  return new NetdxError('E_UNSUPPORTED', `starting ${tool}: this kernel does not allow ${h} programs (${r.detail}); needs ${HOOK_FIXES[h]}`);
}

/**
 * For a tool whose every way of attaching failed (`failures`: each way's error and the hook kind
 * of its programs): when two or more of those hook kinds are missing altogether (fentry refused,
 * no kprobes), one error naming each, so the user learns every way that would do; otherwise
 * explainMissingHooks of the last failure.
 */
export function explainVariantFailures(tool: string, hooks: readonly HookName[],
  failures: ReadonlyArray<{ err: unknown; hook?: HookName }>): NetdxError | undefined {
  const missingKinds = new Map<HookName, HookResult>();
  for (const f of failures) {
    if (!f.hook || missingKinds.has(f.hook)) continue;
    const r = probeHookCached(f.hook);
    if (!r.supported) missingKinds.set(f.hook, r);
  }
  if (missingKinds.size < 2) return explainMissingHooks(tool, hooks, failures[failures.length - 1]?.err);
  const parts = [...missingKinds].map(([h, r]) => `${h} programs (${r.detail})`);
  const fixes = [...missingKinds.keys()].map((h) => HOOK_FIXES[h]);
  const allRefused = [...missingKinds.values()].every((r) => r.status === 'permission');
  return new NetdxError(allRefused ? 'E_PERMISSION' : 'E_UNSUPPORTED',
    `starting ${tool}: this kernel allows neither ${parts.join(' nor ')}; needs ${fixes.join(', or ')}`);
}

/**
 * For a tool that failed to load or attach: an E_UNSUPPORTED/E_PERMISSION error (exit 2) that
 * names what is missing. With the failure, the hook of the program that failed is the one
 * examined: a hook that is missing altogether is named with what would provide it; where the hook
 * works but this one attachment point does not exist (a tracepoint an older kernel lacks), that
 * point is named. Otherwise the first missing hook the tool declared. Undefined when every hook
 * works (the failure was something else, which the caller reports as it is).
 */
export function explainMissingHooks(tool: string, hooks: readonly HookName[], err?: unknown): NetdxError | undefined {
  if (err instanceof NetdxError && err.section) {
    const h = hookOfSection(err.section);
    if (h) {
      const r = probeHookCached(h);
      if (!r.supported) return missing(tool, h, r);
      if (err.errno === 2 && err.code !== 'E_BPF_LOAD') {
        return new NetdxError('E_UNSUPPORTED', `starting ${tool}: this kernel has no ${err.section} (${h} programs work, but not this one: ENOENT)`);
      }
      if (err.code === 'E_PERMISSION' || err.code === 'E_UNSUPPORTED') return err;
      return undefined;
    }
  }
  for (const h of hooks) {
    const r = probeHookCached(h);
    if (!r.supported) return missing(tool, h, r);
  }
  return undefined;
}
