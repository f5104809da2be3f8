// The kernel-bypass reader on sysfs trees built under a temp directory with the real layout
// (bus/pci/devices/ADDR -> ../../../devices/pci0000:00/ADDR, its class, vendor, device files and
// a driver -> ../../../bus/pci/drivers/NAME link). The build machine has no NIC bound to vfio-pci,
// uio_pci_generic or igb_uio, so a tree of the real layout is the honest test; the real /sys is
// read too, where no such NIC must show.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bypassNote, kernelBypassNics } from './bypass.js';

function fakeSys(devs: ReadonlyArray<{ addr: string; cls: string; driver?: string; vendor?: string; device?: string }>): string {
  const root = mkdtempSync(join(tmpdir(), 'netdx-sysfs-'));
  mkdirSync(join(root, 'bus/pci/devices'), { recursive: true });
  for (const d of devs) {
    const real = join(root, 'devices/pci0000:00', d.addr);
    mkdirSync(real, { recursive: true });
    writeFileSync(join(real, 'class'), `${d.cls}\n`);
    writeFileSync(join(real, 'vendor'), `${d.vendor ?? '0x8086'}\n`);
    writeFileSync(join(real, 'device'), `${d.device ?? '0x1572'}\n`);
    if (d.driver) {
      mkdirSync(join(root, 'bus/pci/drivers', d.driver), { recursive: true });
      symlinkSync(`../../../bus/pci/drivers/${d.driver}`, join(real, 'driver'));
    }
    symlinkSync(`../../../devices/pci0000:00/${d.addr}`, join(root, 'bus/pci/devices', d.addr));
  }
  return root;
}

test('NICs bound to vfio-pci, uio_pci_generic, igb_uio are found; kernel drivers, other classes and unbound devices are not', (t) => {
  const root = fakeSys([
    { addr: '0000:00:03.0', cls: '0x020000', driver: 'virtio-pci', vendor: '0x1af4', device: '0x1041' }, // a kernel NIC
    { addr: '0000:03:00.0', cls: '0x020000', driver: 'vfio-pci' },
    { addr: '0000:03:00.1', cls: '0x020000', driver: 'uio_pci_generic', device: '0x1583' },
    { addr: '0000:05:00.0', cls: '0x028000', driver: 'igb_uio', vendor: '0x15b3', device: '0x1017' }, // another network subclass
    { addr: '0000:06:00.0', cls: '0x010802', driver: 'vfio-pci' }, // an NVMe disk given to a VM: not a NIC
    { addr: '0000:07:00.0', cls: '0x020000' }, // no driver bound
  ]);
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const nics = kernelBypassNics(root);
  assert.deepEqual(nics, [
    { address: '0000:03:00.0', driver: 'vfio-pci', class: '0x020000', vendor: '0x8086', device: '0x1572' },
    { address: '0000:03:00.1', driver: 'uio_pci_generic', class: '0x020000', vendor: '0x8086', device: '0x1583' },
    { address: '0000:05:00.0', driver: 'igb_uio', class: '0x028000', vendor: '0x15b3', device: '0x1017' },
  ]);
  assert.equal(bypassNote(nics[0]!), 'NIC 0000:03:00.0 is bound to vfio-pci: its traffic bypasses the kernel; netdx cannot see it');
});

test('no PCI bus: nothing; the real /sys reads the same way', (t) => {
  const empty = mkdtempSync(join(tmpdir(), 'netdx-sysfs-'));
  t.after(() => rmSync(empty, { recursive: true, force: true }));
  assert.deepEqual(kernelBypassNics(empty), []);
  // the build machine's NICs are virtio-net, bound to the kernel: none here; elsewhere only bypass-bound NICs
  for (const n of kernelBypassNics()) assert.ok(['vfio-pci', 'uio_pci_generic', 'igb_uio'].includes(n.driver) && n.class.startsWith('0x02'), JSON.stringify(n));
});
