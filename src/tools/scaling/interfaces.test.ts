// Which /proc/interrupts lines belong to an interface and what queue each serves, from the
// names drivers give their IRQs: pure, on constructed lines.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classifyQueueIrq, matchInterfaceIrqs } from './interfaces.js';
import { parseInterrupts } from '../../core/proc/interrupts.js';

test('IRQ names: queues of common drivers, and which lines belong to an interface', () => {
  const c = (n: string, p: string[]) => classifyQueueIrq(n, p);
  assert.deepEqual(c('virtio2-input.0', ['eth0', 'virtio2']), { kind: 'rx', index: 0 });
  assert.deepEqual(c('virtio2-output.3', ['eth0', 'virtio2']), { kind: 'tx', index: 3 });
  assert.deepEqual(c('virtio2-config', ['eth0', 'virtio2']), { kind: 'other' });
  assert.deepEqual(c('eth0-TxRx-7', ['eth0']), { kind: 'combined', index: 7 });
  assert.deepEqual(c('ens5-Tx-Rx-2', ['ens5']), { kind: 'combined', index: 2 });
  assert.deepEqual(c('eth1-rx-1', ['eth1']), { kind: 'rx', index: 1 });
  assert.deepEqual(c('mlx5_comp3@pci:0000:03:00.0', ['enp3s0', '0000:03:00.0']), { kind: 'combined', index: 3 });
  assert.deepEqual(c('mlx5_async0@pci:0000:03:00.0', ['enp3s0', '0000:03:00.0']), { kind: 'other' });
  assert.deepEqual(c('enp1s0-0', ['enp1s0']), { kind: 'combined', index: 0 });
  const lines = parseInterrupts([
    '  CPU0 CPU1',
    ' 50: 1 2 IR-PCI-MSI 1-edge eth1-TxRx-0',
    ' 51: 1 2 IR-PCI-MSI 2-edge eth10-TxRx-0',
    ' 52: 1 2 IR-PCI-MSI 3-edge mlx5_comp0@pci:0000:03:00.0',
    ' 53: 1 2 IR-PCI-MSI 4-edge i40e-0000:05:00.0:misc',
    ' 54: 1 2 PCI-MSIX-0000:00:03.0 1-edge virtio2-input.0',
    ' 55: 1 2 PCI-MSIX-0000:00:04.0 1-edge virtio3-input.0',
  ].join('\n')).lines;
  const ids = (irqs: number[]) => irqs.sort();
  assert.deepEqual(ids(matchInterfaceIrqs({ prefixes: ['eth1'], msi: new Set() }, lines).map((l) => l.irq!)), [50]);
  assert.deepEqual(matchInterfaceIrqs({ prefixes: ['enp3s0', '0000:03:00.0'], msi: new Set(), pci: '0000:03:00.0' }, lines).map((l) => l.irq), [52]);
  assert.deepEqual(matchInterfaceIrqs({ prefixes: ['ens6', '0000:05:00.0'], msi: new Set([53]) }, lines).map((l) => l.irq), [53]);
  assert.deepEqual(matchInterfaceIrqs({ prefixes: ['eth0', 'virtio2'], msi: new Set() }, lines).map((l) => l.irq), [54]);
});
