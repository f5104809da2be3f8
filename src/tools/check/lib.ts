// netdx check as a library: what this kernel lets netdx do, each hook proven by a real program.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { release, arch } from 'node:os';
import { HOOK_NAMES, probeHook, ensureTracefs, TRACEFS, type HookName, type HookResult } from '../../core/bpf/features.js';
import { libc, errno, strerror } from '../../core/ffi.js';

const CAP_NAMES = [
  'chown', 'dac_override', 'dac_read_search', 'fowner', 'fsetid', 'kill', 'setgid', 'setuid', 'setpcap',
  'linux_immutable', 'net_bind_service', 'net_broadcast', 'net_admin', 'net_raw', 'ipc_lock', 'ipc_owner',
  'sys_module', 'sys_rawio', 'sys_chroot', 'sys_ptrace', 'sys_pacct', 'sys_admin', 'sys_boot', 'sys_nice',
  'sys_resource', 'sys_time', 'sys_tty_config', 'mknod', 'lease', 'audit_write', 'audit_control', 'setfcap',
  'mac_override', 'mac_admin', 'syslog', 'wake_alarm', 'block_suspend', 'audit_read', 'perfmon', 'bpf',
  'checkpoint_restore',
];

/** Capability names in a /proc/PID/status CapEff hex mask. */
export function parseCapMask(hex: string): string[] {
  const v = BigInt('0x' + hex.trim());
  return CAP_NAMES.filter((_n, i) => (v >> BigInt(i)) & 1n).map((n) => `cap_${n}`);
}

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
  try { return Number(readFileSync(path, 'utf8').trim()); } catch { return null; }
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
    tracefs = { mounted: false, path: TRACEFS, error: (e as Error).message };
  }
  const status = readFileSync('/proc/self/status', 'utf8');
  const capEff = /^CapEff:\s*([0-9a-f]+)/m.exec(status)?.[1] ?? '0';
  const effective = parseCapMask(capEff);
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
