// netdx check as a library: what this kernel lets netdx do, each hook proven by a real program.
import { effectiveCaps } from '../../core/proc/caps.js';
import { readIntOr } from '../../core/proc/read.js';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { release, arch } from 'node:os';
import { HOOK_NAMES, probeHook, ensureTracefs, tracefsMounts, TRACEFS, type HookName, type HookResult } from '../../core/bpf/features.js';
import { libc, errno, strerror } from '../../core/ffi.js';

export { parseCapMask } from '../../core/proc/caps.js';

/** The active mode in /sys/kernel/security/lockdown, e.g. "none [integrity] confidentiality". */
export function parseLockdown(text: string): string | undefined {
  return /\[(\w+)\]/.exec(text)?.[1];
}

export interface CheckReport {
  kernel: string;
  arch: string;
  btf: { present: boolean; path: string; bytes?: number };
  tracefs: { mounted: boolean; path: string; note?: string; error?: string };
  lockdown: { mode: string | null; note?: string };
  capabilities: { effective: string[]; needed_missing: string[] };
  unprivileged_bpf_disabled: number | null;
  bpf_jit_enable: number | null;
  hooks: Record<HookName, HookResult>;
}

function readNum(path: string): number | null {
  return readIntOr(path) ?? null;
}

function lockdown(): CheckReport['lockdown'] {
  const path = '/sys/kernel/security/lockdown';
  let note: string | undefined;
  if (!existsSync('/sys/kernel/security/lsm') && process.getuid?.() === 0) {
    // securityfs is where the kernel publishes the lockdown mode; mount it to read it.
    if ((libc().mount('securityfs', '/sys/kernel/security', 'securityfs', 0, null) as number) === 0) {
      note = 'mounted securityfs at /sys/kernel/security to read it';
    } else {
      note = `securityfs not mounted and mounting it failed: ${strerror(errno())}`;
    }
  }
  try {
    return { mode: parseLockdown(readFileSync(path, 'utf8')) ?? null, note };
  } catch {
    return { mode: null, note: note ?? 'kernel built without lockdown LSM (no /sys/kernel/security/lockdown)' };
  }
}

export function runCheck(hooks: readonly HookName[] = HOOK_NAMES): CheckReport {
  const btfPath = '/sys/kernel/btf/vmlinux';
  const btf = existsSync(btfPath) ? { present: true, path: btfPath, bytes: statSync(btfPath).size } : { present: false, path: btfPath };
  let tracefs: CheckReport['tracefs'];
  try {
    const note = ensureTracefs();
    tracefs = { mounted: true, path: TRACEFS, ...(note ? { note } : {}) };
  } catch (e) {
    // mounted, unreadable (not root) is told apart from not mounted at all
    const at = tracefsMounts(readFileSync('/proc/self/mountinfo', 'utf8'))[0];
    tracefs = { mounted: at !== undefined, path: at ?? TRACEFS, error: (e as Error).message };
  }
  const effective = effectiveCaps();
  const needed = ['cap_bpf', 'cap_perfmon', 'cap_net_admin'];
  const hasAdmin = effective.includes('cap_sys_admin');
  const neededMissing = needed.filter((c) => !effective.includes(c) && !(hasAdmin && c !== 'cap_net_admin'));
  const results = {} as Record<HookName, HookResult>;
  for (const h of hooks) results[h] = probeHook(h);
  return {
    kernel: release(),
    arch: arch(),
    btf,
    tracefs,
    lockdown: lockdown(),
    capabilities: { effective, needed_missing: neededMissing },
    unprivileged_bpf_disabled: readNum('/proc/sys/kernel/unprivileged_bpf_disabled'),
    bpf_jit_enable: readNum('/proc/sys/net/core/bpf_jit_enable'),
    hooks: results,
  };
}
