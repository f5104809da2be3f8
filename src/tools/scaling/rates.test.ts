// Per-CPU rates between two snapshots, on constructed /proc text: pure, no machine state.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { computeCpuRates, type Snapshot } from './rates.js';
import { parseInterrupts } from '../../core/proc/interrupts.js';
import { parseSoftirqs } from '../../core/proc/softirqs.js';
import { parseSoftnetStat } from '../../core/proc/softnet.js';
import { parseProcStat } from '../../core/proc/cpustat.js';

test('rates between snapshots: per CPU by CPU number, 32-bit wrap, % softirq from /proc/stat', () => {
  const snap = (t: number, rx: [number, number], irq50: [number, number], processed: [number, number], sirq: [number, number], tot: [number, number]): Snapshot => ({
    t_ms: t, online: [0, 2],
    interrupts: parseInterrupts(`  CPU0 CPU2\n 50: ${irq50[0]} ${irq50[1]} X 1-edge eth1-TxRx-0\n 51: 9 9 X 2-edge other\n`),
    softirqs: parseSoftirqs(`  CPU0 CPU2\n NET_TX: 0 0\n NET_RX: ${rx[0]} ${rx[1]}\n`),
    softnet: parseSoftnetStat(processed.map((p, i) => `${p.toString(16).padStart(8, '0')} 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 ${(i * 2).toString(16).padStart(8, '0')}`).join('\n')),
    stat: parseProcStat(`cpu0 0 0 0 ${tot[0] - sirq[0]} 0 0 ${sirq[0]} 0 0 0\ncpu2 0 0 0 ${tot[1] - sirq[1]} 0 0 ${sirq[1]} 0 0 0\n`),
    packets: new Map(),
  });
  const a = snap(0, [100, 10], [5, 0], [0xfffffff0, 0], [10, 0], [1000, 1000]);
  const b = snap(2000, [300, 10], [1005, 2], [0x10, 6], [60, 0], [1100, 1100]);
  const r = computeCpuRates(a, b, new Set([50]));
  assert.deepEqual(r.map((x) => [x.cpu, x.net_rx, x.nic_irqs, x.processed, x.softirq_pct, x.busy_pct]),
    [[0, 100, 500, 16, 50, 50], [2, 0, 1, 3, 0, 0]]);
});
