// NICs the kernel cannot see: PCI network devices (class 0x02xxxx) bound to a driver that hands the
// device to user space (vfio-pci, uio_pci_generic, igb_uio: DPDK and similar kernel-bypass
// stacks). Their packets never pass through the kernel's stack, so no netdx tool, counter or
// tracepoint sees them; netdx list, scaling and the doctor say so. Read from a sysfs tree given
// by its root, so the reader is tested on a tree of the same layout (no such NIC on the build
// machine); kernelBypassNics() with no argument reads the real /sys.
import { readdirSync, readlinkSync } from 'node:fs';
import { readTextOr } from './read.js';

/** Drivers that take a PCI device away from the kernel's network stack. */
export const BYPASS_DRIVERS: readonly string[] = ['vfio-pci', 'uio_pci_generic', 'igb_uio'];

export interface BypassNic {
  /** PCI address: 0000:03:00.0 */
  address: string;
  driver: string;
  /** PCI class, e.g. 0x020000 (Ethernet controller). */
  class: string;
  /** PCI vendor and device ids, e.g. 0x8086, 0x1572. */
  vendor: string;
  device: string;
}

/** The network-class PCI devices under `root`/bus/pci/devices bound to a bypass driver, by address. */
export function kernelBypassNics(root = '/sys'): BypassNic[] {
  const dir = `${root}/bus/pci/devices`;
  let names: string[];
  try { names = readdirSync(dir).sort(); } catch { return []; } // no PCI bus (some VMs, containers)
  const out: BypassNic[] = [];
  for (const address of names) {
    const cls = readTextOr(`${dir}/${address}/class`)?.trim();
    if (!cls || !/^0x02[0-9a-f]{4}$/i.test(cls)) continue;
    let driver: string;
    try { driver = readlinkSync(`${dir}/${address}/driver`).replace(/^.*\//, ''); } catch { continue; } // no driver bound
    if (!BYPASS_DRIVERS.includes(driver)) continue;
    out.push({ address, driver, class: cls, vendor: readTextOr(`${dir}/${address}/vendor`)?.trim() ?? '', device: readTextOr(`${dir}/${address}/device`)?.trim() ?? '' });
  }
  return out;
}

/** What to tell the user about one such NIC (one line). */
export function bypassNote(n: BypassNic): string {
  return `NIC ${n.address} is bound to ${n.driver}: its traffic bypasses the kernel; netdx cannot see it`;
}
