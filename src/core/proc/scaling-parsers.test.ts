// Parsers of /proc/interrupts, /proc/softirqs, /proc/net/softnet_stat, /proc/stat and CPU
// lists/masks, on files captured on this machine (test/fixtures/scaling) and on lines in the
// formats of other kernels and drivers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseInterrupts } from './interrupts.js';
import { parseSoftirqs } from './softirqs.js';
import { parseSoftnetStat } from './softnet.js';
import { parseProcStat } from './cpustat.js';
import { parseCpuList, parseCpuMask, formatCpuMask, formatCpuList } from './cpus.js';

const FIX = fileURLToPath(new URL('../../../test/fixtures/scaling/', import.meta.url));
const fx = (name: string) => readFileSync(FIX + name, 'utf8');

test('interrupts: captured file, virtio-net queue IRQs with chip, hwirq and name', () => {
  const p = parseInterrupts(fx('interrupts.txt'));
  assert.deepEqual(p.cpus, [0, 1]);
  const l38 = p.lines.find((l) => l.irq === 38)!;
  assert.equal(l38.name, 'virtio2-input.0');
  assert.equal(l38.chip, 'PCI-MSIX-0000:00:03.0');
  assert.equal(l38.hwirq, '1-edge');
  assert.deepEqual(l38.counts, [0, 1514]);
  assert.equal(l38.total, 1514);
  const loc = p.lines.find((l) => l.id === 'LOC')!;
  assert.equal(loc.irq, undefined);
  assert.equal(loc.name, 'Local timer interrupts');
  assert.deepEqual(loc.counts, [146760, 69639]);
  const err = p.lines.find((l) => l.id === 'ERR')!;
  assert.deepEqual(err.counts, [0]);
  assert.equal(p.lines.find((l) => l.irq === 24)!.name, 'ACPI:Ged');
});

test('interrupts: offline CPUs, shared handlers, arm GIC lines, mlx5 names', () => {
  const text = [
    '           CPU0       CPU2       CPU3',
    '  11:       1234       5678          9     GICv3  27 Level     arch_timer',
    ' 120:         10          0         20  IR-PCI-MSI 1048577-edge      mlx5_comp3@pci:0000:03:00.0',
    ' 121:          1          2          3  IR-PCI-MSI 524288-edge      eth0-TxRx-0, eth0-fdir',
    ' 122:          0          0          0  IR-PCI-MSI 524289-edge',
    'ERR:          0',
  ].join('\n');
  const p = parseInterrupts(text);
  assert.deepEqual(p.cpus, [0, 2, 3]);
  assert.deepEqual(p.lines.map((l) => [l.irq, l.chip, l.hwirq, l.name]), [
    [11, 'GICv3', '27 Level', 'arch_timer'],
    [120, 'IR-PCI-MSI', '1048577-edge', 'mlx5_comp3@pci:0000:03:00.0'],
    [121, 'IR-PCI-MSI', '524288-edge', 'eth0-TxRx-0, eth0-fdir'],
    [122, 'IR-PCI-MSI', '524289-edge', ''],
    [undefined, '', '', ''],
  ]);
  assert.deepEqual(p.lines[1]!.counts, [10, 0, 20]);
  assert.throws(() => parseInterrupts('garbage\n'), /no CPU header/);
});

test('softirqs: captured file', () => {
  const p = parseSoftirqs(fx('softirqs.txt'));
  assert.deepEqual(p.cpus, [0, 1]);
  assert.deepEqual(p.counts.NET_RX, [1299, 1560]);
  assert.deepEqual(p.counts.NET_TX, [4, 0]);
  assert.deepEqual(p.counts.BLOCK, [0, 47223]);
  assert.equal(Object.keys(p.counts).length, 10);
});

test('softnet_stat: captured 15-column file (6.x), cpu from its column', () => {
  const rows = parseSoftnetStat(fx('softnet_stat.txt'));
  assert.equal(rows.length, 2);
  assert.deepEqual(rows.map((r) => [r.cpu, r.processed, r.columns, r.cpu_from_order]), [[0, 0x20, 15, false], [1, 0xa06, 15, false]]);
  assert.equal(rows[1]!.backlog, 0);
  assert.equal(rows[1]!.input_qlen, 0);
});

test('softnet_stat: cpu index column beats row order when CPUs are offline', () => {
  // 13 columns (5.10+): CPU1 offline, so the second row is CPU 2.
  const z = '00000000';
  const row = (proc: string, drop: string, sq: string, rps: string, fl: string, bl: string, cpu: string) =>
    [proc, drop, sq, z, z, z, z, z, z, rps, fl, bl, cpu].join(' ');
  const rows = parseSoftnetStat([row('000000ff', '00000002', '00000003', '00000004', '00000005', '00000006', '00000000'),
    row('00000010', z, z, z, z, z, '00000002')].join('\n') + '\n', [0, 1, 2]);
  assert.deepEqual(rows.map((r) => r.cpu), [0, 2]);
  assert.deepEqual([rows[0]!.processed, rows[0]!.dropped, rows[0]!.time_squeeze, rows[0]!.received_rps,
    rows[0]!.flow_limit_count, rows[0]!.backlog], [255, 2, 3, 4, 5, 6]);
  assert.equal(rows[0]!.input_qlen, undefined);
});

test('softnet_stat: old formats (10 and 11 columns) map rows onto online CPUs', () => {
  const z = '00000000';
  const ten = [`00000001 ${z} ${z} ${z} ${z} ${z} ${z} ${z} ${z} 00000007`, `00000002 ${z} ${z} ${z} ${z} ${z} ${z} ${z} ${z} ${z}`].join('\n');
  const r10 = parseSoftnetStat(ten, [0, 3]);
  assert.deepEqual(r10.map((r) => [r.cpu, r.processed, r.received_rps, r.flow_limit_count, r.cpu_from_order]),
    [[0, 1, 7, undefined, true], [3, 2, 0, undefined, true]]);
  const r11 = parseSoftnetStat(`00000001 ${z} ${z} ${z} ${z} ${z} ${z} ${z} 0000000a ${z} 0000000b\n`);
  assert.deepEqual([r11[0]!.cpu, r11[0]!.cpu_collision, r11[0]!.flow_limit_count, r11[0]!.backlog], [0, 10, 11, undefined]);
  assert.throws(() => parseSoftnetStat('00000001 zz\n'), /softnet_stat: line 1/);
});

test('proc stat: per-CPU times, guest not double counted', () => {
  const rows = parseProcStat(fx('stat.txt'));
  assert.deepEqual(rows.map((r) => r.cpu), [-1, 0, 1]);
  const c0 = rows[1]!;
  assert.deepEqual([c0.user, c0.system, c0.idle, c0.iowait, c0.irq, c0.softirq], [2561, 2068, 125130, 15, 0, 133]);
  assert.equal(c0.total, 2561 + 2068 + 125130 + 15 + 133);
  const g = parseProcStat('cpu3 10 0 5 100 0 1 2 3 7 0\n')[0]!;
  assert.equal(g.total, 10 + 5 + 100 + 1 + 2 + 3);
});

test('CPU lists and masks: captured affinity and rps_cpus, round trips, commas every 32 bits', () => {
  assert.deepEqual(parseCpuList(fx('irq38_smp_affinity_list.txt')), [0, 1]);
  assert.deepEqual(parseCpuMask(fx('irq38_smp_affinity.txt')), [0, 1]);
  assert.deepEqual(parseCpuMask(fx('eth0_rx0_rps_cpus.txt')), []);
  assert.deepEqual(parseCpuList('0-3,8,10-11\n'), [0, 1, 2, 3, 8, 10, 11]);
  assert.deepEqual(parseCpuList(''), []);
  assert.deepEqual(parseCpuMask('00000001,00000000,00000005'), [0, 2, 64]);
  assert.deepEqual(parseCpuMask('ff'), [0, 1, 2, 3, 4, 5, 6, 7]);
  assert.equal(formatCpuMask([0, 2, 64]), '1,00000000,00000005');
  assert.equal(formatCpuMask([1]), '2');
  assert.equal(formatCpuMask([31]), '80000000');
  assert.equal(formatCpuMask([]), '0');
  assert.equal(formatCpuList([0, 1, 2, 3, 8, 10, 11]), '0-3,8,10,11');
  for (const set of [[0], [5, 6, 7, 40], [1, 33, 63, 64, 100]]) {
    assert.deepEqual(parseCpuMask(formatCpuMask(set)), set);
    assert.deepEqual(parseCpuList(formatCpuList(set)), set);
  }
  assert.throws(() => parseCpuList('0-x'), /not a list/);
  assert.throws(() => parseCpuList('3-1'), /backwards/);
  assert.throws(() => parseCpuMask('0xg1'), /not a hex mask/);
});
