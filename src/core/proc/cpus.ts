// CPU sets as the kernel writes them: lists ("0-3,8,10-11", smp_affinity_list, /sys/.../online)
// and hex masks with a comma every 32 bits ("ff,ffffffff", rps_cpus, xps_cpus, smp_affinity).
import { NetdxError } from '../errors.js';

/** Parses a CPU list; an empty string (or only a newline) is the empty set. */
export function parseCpuList(text: string): number[] {
  const s = text.trim();
  if (s === '') return [];
  const out = new Set<number>();
  for (const part of s.split(',')) {
    // "a-b:step/group" exists for boot parameters; the files netdx reads never use it.
    const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!m) throw new NetdxError('E_IO', `parsing CPU list: '${s}' is not a list like 0-3,8`);
    const a = Number(m[1]);
    const b = m[2] === undefined ? a : Number(m[2]);
    if (b < a) throw new NetdxError('E_IO', `parsing CPU list: range ${part} runs backwards`);
    for (let c = a; c <= b; c++) out.add(c);
  }
  return [...out].sort((x, y) => x - y);
}

/** Parses a hex CPU mask; commas separate 32-bit words, the rightmost word holds CPU 0-31. */
export function parseCpuMask(text: string): number[] {
  const s = text.trim().replace(/,/g, '').replace(/^0x/i, '');
  if (s === '') return [];
  if (!/^[0-9a-f]+$/i.test(s)) throw new NetdxError('E_IO', `parsing CPU mask: '${text.trim()}' is not a hex mask`);
  const out: number[] = [];
  // Nibble by nibble from the right: works for any number of CPUs without BigInt.
  for (let i = 0; i < s.length; i++) {
    const nib = parseInt(s[s.length - 1 - i]!, 16);
    for (let bit = 0; bit < 4; bit++) if (nib & (1 << bit)) out.push(i * 4 + bit);
  }
  return out;
}

/** The mask a user writes back into rps_cpus/xps_cpus/smp_affinity ("3", "1,00000000"). */
export function formatCpuMask(cpus: readonly number[]): string {
  if (cpus.length === 0) return '0';
  const words = Math.floor(Math.max(...cpus) / 32) + 1;
  const w = new Array<number>(words).fill(0);
  for (const c of cpus) w[Math.floor(c / 32)]! |= 1 << (c % 32);
  const hex = w.reverse().map((x) => (x >>> 0).toString(16));
  return hex.map((h, i) => (i === 0 ? h : h.padStart(8, '0'))).join(',');
}

/** "0-3,8" from a set of CPUs (sorted, ranges of 2+ compressed to a-b when 3+ long). */
export function formatCpuList(cpus: readonly number[]): string {
  const s = [...new Set(cpus)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < s.length;) {
    let j = i;
    while (j + 1 < s.length && s[j + 1] === s[j]! + 1) j++;
    parts.push(j === i ? String(s[i]) : j === i + 1 ? `${s[i]},${s[j]}` : `${s[i]}-${s[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}
