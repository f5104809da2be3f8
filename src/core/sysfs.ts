// /sys as a network namespace sees it. /sys/class/net lists the devices of the namespace that
// mounted /sys, not the caller's: under nsenter --net, or for --netns NAME, that is still the
// host's (ip netns exec mounts a new one; netdx does not change its mounts). A sysfs made inside
// the target namespace shows that namespace's devices: fsopen/fsconfig/fsmount (Linux 5.2+) give
// a detached mount, attached to no mount namespace (so no unshare, which a threaded process such
// as node cannot do for mounts), read through /proc/self/fd/N and gone when its fd closes.
// sysfs takes its namespace from the task that creates it (sysfs_init_fs_context) and needs
// CAP_SYS_ADMIN over that namespace.
import { errnoName, NetdxError } from './errors.js';
import { errno, libc, strerror } from './ffi.js';
import { isOwnNetns, netnsLabel, withNetns, type NetnsRef } from './netns.js';
import { readIntOr } from './proc/read.js';
import { readdirSync } from 'node:fs';

export const SYS = '/sys';

// include/uapi/asm-generic/unistd.h: numbered alike on every architecture netdx runs on
const NR_FSOPEN = 430;
const NR_FSCONFIG = 431;
const NR_FSMOUNT = 432;
const FSOPEN_CLOEXEC = 1;
const FSCONFIG_CMD_CREATE = 6;
const FSMOUNT_CLOEXEC = 1;
// MOUNT_ATTR_RDONLY | NOSUID | NODEV | NOEXEC: netdx only reads it
const MOUNT_ATTRS = 0x1 | 0x2 | 0x4 | 0x8;

/** A sysfs root to read a namespace's devices under: `${root}/class/net/IF/...`. */
export interface SysfsView {
  root: string;
  /** True when it is a sysfs made for the namespace (not the process's /sys). */
  fresh: boolean;
  /** Frees the mount (a no-op for /sys); safe to call again. */
  close(): void;
}

/** Whether `${root}/class/net` lists exactly these devices, by name and ifindex. */
export function sysfsMatches(links: ReadonlyArray<{ name: string; ifindex: number }>, root = SYS): boolean {
  let names: string[];
  try { names = readdirSync(`${root}/class/net`); } catch { return false; }
  if (names.length !== links.length) return false;
  const inSys = new Set(names);
  return links.every((l) => inSys.has(l.name) && readIntOr(`${root}/class/net/${l.name}/ifindex`) === l.ifindex);
}

function check(r: unknown, what: string, ns: string): number {
  const n = Number(r);
  if (n < 0) {
    const e = errno();
    throw new NetdxError(e === 1 ? 'E_PERMISSION' : 'E_IO', `mounting sysfs for network namespace ${ns}: ${what}: ${strerror(e)} (${errnoName(e)})`, { errno: e });
  }
  return n;
}

/** A detached sysfs made inside `target` (the calling thread goes there and comes back). */
export function mountSysfs(target: NetnsRef | undefined): SysfsView {
  const c = libc();
  const ns = target ? netnsLabel(target) : 'of this process';
  const mfd = withNetns(target, () => {
    const fsfd = check(c.syscall(NR_FSOPEN, 'str', 'sysfs', 'uint', FSOPEN_CLOEXEC), 'fsopen', ns);
    try {
      check(c.syscall(NR_FSCONFIG, 'int', fsfd, 'uint', FSCONFIG_CMD_CREATE, 'void *', null, 'void *', null, 'int', 0), 'fsconfig', ns);
      return check(c.syscall(NR_FSMOUNT, 'int', fsfd, 'uint', FSMOUNT_CLOEXEC, 'uint', MOUNT_ATTRS), 'fsmount', ns);
    } finally {
      c.close(fsfd);
    }
  });
  let open = true;
  return { root: `/proc/self/fd/${mfd}`, fresh: true, close: () => { if (open) { open = false; c.close(mfd); } } };
}

/**
 * The sysfs to read `target`'s devices under: /sys when it shows exactly `links` (the namespace's
 * devices from rtnetlink), else one made for the namespace. Throws (coded) when the kernel
 * refuses that (no CAP_SYS_ADMIN, a kernel before 5.2): callers say what they cannot show.
 */
export function openSysfs(target: NetnsRef | undefined, links: ReadonlyArray<{ name: string; ifindex: number }>): SysfsView {
  if (isOwnNetns(target) && sysfsMatches(links)) return { root: SYS, fresh: false, close: () => {} };
  return mountSysfs(target);
}
