// /proc/softirqs: a header of online CPUs, then "NET_RX:  1299  1560" per softirq vector.
import { NetdxError } from '../errors.js';

export interface ProcSoftirqs {
  /** CPU numbers of the count columns. */
  cpus: number[];
  /** Counts per vector name (HI, TIMER, NET_TX, NET_RX, BLOCK, ...), in header order. */
  counts: Record<string, number[]>;
}

export function parseSoftirqs(text: string): ProcSoftirqs {
  const rows = text.split('\n');
  const cpus = [...(rows[0] ?? '').matchAll(/CPU(\d+)/g)].map((m) => Number(m[1]));
  if (cpus.length === 0) throw new NetdxError('E_IO', 'parsing /proc/softirqs: no CPU header');
  const counts: Record<string, number[]> = {};
  for (const row of rows.slice(1)) {
    const m = /^\s*([A-Z_0-9]+):\s*(.*)$/.exec(row);
    if (!m) continue;
    counts[m[1]!] = m[2]!.trim().split(/\s+/).filter(Boolean).slice(0, cpus.length).map(Number);
  }
  return { cpus, counts };
}
