// /proc/net/softnet_stat: one line per online CPU, hex columns. Column meaning by position
// (net/core/net-procfs.c): processed, dropped, time_squeeze, 0, 0,0,0,0 (was fastroute),
// cpu_collision (0 since 4.x), received_rps, flow_limit_count (3.11+), backlog length and
// cpu index (5.10+), input_qlen and process_qlen (6.x). Older kernels print fewer columns.
// The row index is not the CPU number when CPUs are offline: the cpu index column is, and
// without it the rows follow the online CPUs in order.
import { NetdxError } from '../errors.js';

export interface SoftnetRow {
  cpu: number;
  processed: number;
  dropped: number;
  time_squeeze: number;
  cpu_collision: number;
  received_rps?: number;
  flow_limit_count?: number;
  /** Packets waiting in this CPU's backlog (input + process queues) when read. */
  backlog?: number;
  input_qlen?: number;
  process_qlen?: number;
  /** How many columns the kernel printed (tells which fields exist). */
  columns: number;
  /** True when the CPU came from the online list (no cpu index column). */
  cpu_from_order: boolean;
}

/**
 * @param online CPUs online when the file was read (from /sys/devices/system/cpu/online), used
 *   only for kernels that do not print the cpu index; without it, row i is taken as CPU i.
 */
export function parseSoftnetStat(text: string, online?: readonly number[]): SoftnetRow[] {
  const out: SoftnetRow[] = [];
  const rows = text.split('\n').filter((r) => r.trim() !== '');
  rows.forEach((row, idx) => {
    const toks = row.trim().split(/\s+/);
    if (toks.length < 9 || !toks.every((t) => /^[0-9a-f]+$/i.test(t))) {
      throw new NetdxError('E_IO', `parsing /proc/net/softnet_stat: line ${idx + 1} is not 9+ hex columns`);
    }
    const v = toks.map((t) => parseInt(t, 16));
    const has = (n: number) => v.length > n;
    const cpuCol = has(12);
    out.push({
      cpu: cpuCol ? v[12]! : (online?.[idx] ?? idx),
      processed: v[0]!, dropped: v[1]!, time_squeeze: v[2]!, cpu_collision: v[8]!,
      received_rps: has(9) ? v[9] : undefined,
      flow_limit_count: has(10) ? v[10] : undefined,
      backlog: has(11) ? v[11] : undefined,
      input_qlen: has(13) ? v[13] : undefined,
      process_qlen: has(14) ? v[14] : undefined,
      columns: v.length,
      cpu_from_order: !cpuCol,
    });
  });
  return out;
}
