// Histograms as BPF tools aggregate them in the kernel (bpf/include/netdx.h): log2 slots, where
// slot k holds values 2^k .. 2^(k+1)-1 (slot 0 also 0), and linear slots of a fixed step. Buckets
// carry their bounds, so JSON readers need not know the slot rule; printing follows BCC's
// print_log2_hist, bar column and all.

export interface Bucket {
  /** Lowest value in the bucket. */
  low: number;
  /** Highest value in the bucket (the last linear bucket holds everything above too). */
  high: number;
  count: number;
}

export interface Histogram {
  /** What the values are in: 'usecs', 'nsecs', 'bytes', ... */
  unit: string;
  /** Buckets from the lowest up to the last that is not empty. */
  buckets: Bucket[];
}

function trimmed(buckets: Bucket[]): Bucket[] {
  let last = buckets.length - 1;
  while (last >= 0 && buckets[last]!.count === 0) last--;
  return buckets.slice(0, last + 1);
}

/** Buckets of log2 slots (netdx_log2). */
export function log2Buckets(slots: ArrayLike<number>): Bucket[] {
  const out: Bucket[] = [];
  for (let k = 0; k < slots.length; k++) out.push({ low: k === 0 ? 0 : 2 ** k, high: 2 ** (k + 1) - 1, count: slots[k]! });
  return trimmed(out);
}

/** Buckets of linear slots (netdx_lin_slot): slot k holds base + k*step .. base + (k+1)*step - 1. */
export function linearBuckets(slots: ArrayLike<number>, step: number, base = 0): Bucket[] {
  const out: Bucket[] = [];
  for (let k = 0; k < slots.length; k++) out.push({ low: base + k * step, high: base + (k + 1) * step - 1, count: slots[k]! });
  return trimmed(out);
}

/** Adds b's counts into a (same slot rule). */
export function addSlots(a: number[], b: ArrayLike<number>): number[] {
  for (let i = 0; i < b.length; i++) a[i] = (a[i] ?? 0) + b[i]!;
  return a;
}

export function totalCount(h: Histogram): number {
  return h.buckets.reduce((s, b) => s + b.count, 0);
}

const BAR = 40;

/** BCC's star bar: floor(width * count / max) stars. */
function stars(count: number, max: number): string {
  return max > 0 ? '*'.repeat(Math.floor((BAR * count) / max)) : '';
}

/**
 * The histogram as BCC prints it:
 *      usecs               : count     distribution
 *          0 -> 1          : 3        |****                                    |
 */
export function renderHistogram(h: Histogram): string {
  if (!h.buckets.length) return `     ${h.unit.padEnd(19)} : count     distribution\n     (no events)\n`;
  const wide = h.buckets[h.buckets.length - 1]!.high >= 1e10;
  const w = wide ? 20 : 10;
  const max = Math.max(...h.buckets.map((b) => b.count));
  const lines = [wide ? `${' '.repeat(15)}${h.unit.padEnd(29)} : count     distribution` : `     ${h.unit.padEnd(19)} : count     distribution`];
  for (const b of h.buckets) {
    lines.push(`${String(b.low).padStart(w)} -> ${String(b.high).padEnd(w)} : ${String(b.count).padEnd(8)} |${stars(b.count, max).padEnd(BAR)}|`);
  }
  return lines.join('\n') + '\n';
}
