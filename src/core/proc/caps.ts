// Effective capabilities, from the CapEff mask of /proc/PID/status.
import { readFileSync } from 'node:fs';

const CAP_NAMES = [
  'chown', 'dac_override', 'dac_read_search', 'fowner', 'fsetid', 'kill', 'setgid', 'setuid', 'setpcap',
  'linux_immutable', 'net_bind_service', 'net_broadcast', 'net_admin', 'net_raw', 'ipc_lock', 'ipc_owner',
  'sys_module', 'sys_rawio', 'sys_chroot', 'sys_ptrace', 'sys_pacct', 'sys_admin', 'sys_boot', 'sys_nice',
  'sys_resource', 'sys_time', 'sys_tty_config', 'mknod', 'lease', 'audit_write', 'audit_control', 'setfcap',
  'mac_override', 'mac_admin', 'syslog', 'wake_alarm', 'block_suspend', 'audit_read', 'perfmon', 'bpf',
  'checkpoint_restore',
];

/** Capability names in a CapEff hex mask, e.g. "000001fffeffffff". */
export function parseCapMask(hex: string): string[] {
  const v = BigInt('0x' + hex.trim());
  return CAP_NAMES.filter((_n, i) => (v >> BigInt(i)) & 1n).map((n) => `cap_${n}`);
}

/** This process's effective capabilities. */
export function effectiveCaps(): string[] {
  const hex = /^CapEff:\s*([0-9a-f]+)/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? '0';
  return parseCapMask(hex);
}

/**
 * What loading tracing BPF programs needs that `caps` lacks: CAP_BPF and CAP_PERFMON (5.8+), or
 * CAP_SYS_ADMIN, which covers both. Empty when nothing is missing.
 */
export function missingBpfCaps(caps: readonly string[] = effectiveCaps()): string[] {
  if (caps.includes('cap_sys_admin')) return [];
  return ['cap_bpf', 'cap_perfmon'].filter((c) => !caps.includes(c));
}

/**
 * Why this process may not load BPF programs, in words that fit who it is: root without the
 * capabilities (a container, capsh or systemd dropped them) is told which to grant; another
 * user is told to run as root.
 */
export function bpfPrivilegeHint(missing: readonly string[], uid = process.getuid?.() ?? 0): string {
  const names = missing.map((c) => c.replace(/^cap_/, 'CAP_').toUpperCase()).join(' and ');
  return uid === 0
    ? `this root process lacks ${names} (its container, capsh or service unit dropped them): grant them (docker run --cap-add BPF --cap-add PERFMON; systemd AmbientCapabilities=CAP_BPF CAP_PERFMON)`
    : `needs ${names} (uid ${uid}): run as root or with sudo`;
}
