// Reading one small /proc or /sys file where its absence is an answer, not an error (a
// virtual device without a speed, a sysctl of a module not loaded, an IRQ that went away).
import { readFileSync } from 'node:fs';

export function readTextOr(path: string): string | undefined {
  try { return readFileSync(path, 'utf8'); } catch { return undefined; }
}

/** A file holding one integer (e.g. /sys/class/net/IF/speed); undefined when absent or not one. */
export function readIntOr(path: string): number | undefined {
  const s = readTextOr(path)?.trim();
  return s !== undefined && /^-?\d+$/.test(s) ? Number(s) : undefined;
}
