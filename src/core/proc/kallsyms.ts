// Kernel addresses to function names, from /proc/kallsyms (root sees the real addresses): the
// location a drop tracepoint reports ("nft_do_chain+0x1a4") says where a packet died.
//
// A window names a few locations; the file lists ~120,000 symbols (5.4 MB here). So the names
// are found in one pass over the text that keeps, per address asked, only the best symbol seen
// so far: no table of every symbol is built (that took 48 MB and 130 ms of CPU here, most of the
// doctor's peak memory), and the file is read in pieces.
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';

export interface Kallsyms {
  /** "name+0xoff" for an address, or its hex when no symbol covers it. */
  symbolize(addr: bigint): string;
}

/**
 * Finds the function (text symbol: T/t/W/w) at or below each of `addrs` in kallsyms text fed in
 * pieces of any size. Each symbol line is compared with one asked address only, the lowest at or
 * above it (a binary search); done() carries each best forward to the addresses above, since the
 * nearest symbol below a higher address is never below the one found for a lower address.
 */
export class KallsymsMatcher {
  private readonly targets: bigint[];
  private hex: string[] = [];
  private width = 0;
  private readonly best: Array<string | undefined>;
  private readonly bestName: Array<string | undefined>;
  private rest = '';

  constructor(addrs: Iterable<bigint>) {
    this.targets = [...new Set(addrs)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    this.best = this.targets.map(() => undefined);
    this.bestName = this.targets.map(() => undefined);
  }

  /** A piece of the text; a line cut at its end is completed by the next piece. */
  feed(text: string): this {
    const s = this.rest ? this.rest + text : text;
    let start = 0;
    for (let nl = s.indexOf('\n'); nl >= 0; nl = s.indexOf('\n', start)) {
      this.line(s, start, nl);
      start = nl + 1;
    }
    this.rest = s.slice(start);
    return this;
  }

  // "ffffffff81000000 T _stext" or "ffffffffc0a01000 t foo\t[mod]"
  private line(s: string, start: number, end: number): void {
    const sp1 = s.indexOf(' ', start);
    if (sp1 < 0 || sp1 >= end) return;
    const type = s[sp1 + 1];
    if (type !== 'T' && type !== 't' && type !== 'W' && type !== 'w') return;
    const width = sp1 - start;
    if (width !== this.width) {
      // addresses are fixed-width lowercase hex: compared as strings once the asked ones are too
      this.width = width;
      this.hex = this.targets.map((a) => a.toString(16).padStart(width, '0'));
    }
    const a = s.slice(start, sp1);
    if (a.charCodeAt(0) === 48 && /^0+$/.test(a)) return; // hidden (kptr_restrict): no use
    // the lowest asked address at or above a
    let lo = 0, hi = this.hex.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.hex[mid]! < a) lo = mid + 1; else hi = mid;
    }
    if (lo === this.hex.length) return;
    const b = this.best[lo];
    if (b !== undefined && b >= a) return;
    this.best[lo] = a;
    const name = s.slice(sp1 + 3, end); // "foo" or "foo\t[mod]" (search the line only: not indexOf on s)
    const tab = name.indexOf('\t');
    this.bestName[lo] = tab < 0 ? name : name.slice(0, tab);
  }

  done(): Kallsyms {
    if (this.rest) { const r = this.rest; this.rest = ''; this.feed(`${r}\n`); }
    const names = new Map<bigint, string>();
    let best: string | undefined, name: string | undefined;
    this.targets.forEach((t, i) => {
      if (this.best[i] !== undefined && (best === undefined || this.best[i]! > best)) { best = this.best[i]; name = this.bestName[i]; }
      if (best === undefined) return;
      const off = t - BigInt(`0x${best}`);
      names.set(t, off === 0n ? name! : `${name}+0x${off.toString(16)}`);
    });
    return { symbolize: (addr) => names.get(addr) ?? `0x${addr.toString(16)}` };
  }
}

/** Names for `addrs` from kallsyms text (whole). */
export function symbolizeKallsyms(text: string, addrs: Iterable<bigint>): Kallsyms {
  return new KallsymsMatcher(addrs).feed(text).done();
}

/** Names for `addrs` from /proc/kallsyms, read 256 KiB at a time; undefined if it is unreadable. */
export function readKallsyms(addrs: Iterable<bigint>, path = '/proc/kallsyms'): Kallsyms | undefined {
  let fd: number;
  try { fd = openSync(path, 'r'); } catch { return undefined; }
  try {
    const m = new KallsymsMatcher(addrs);
    const buf = Buffer.allocUnsafe(1 << 18);
    for (let i = 0; i < 1 << 16; i++) { // at most 16 GB: a bound, not a limit met
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n <= 0) break;
      m.feed(buf.toString('latin1', 0, n));
    }
    return m.done();
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/**
 * The text of function `name`: [its address, the next symbol's) from /proc/kallsyms (the core
 * kernel's symbols are listed in address order); undefined when it is not there or addresses are
 * hidden. For a program that must know a location is inside one function (a return address).
 */
export function kallsymsSpan(name: string, path = '/proc/kallsyms'): [bigint, bigint] | undefined {
  let text: string;
  try { text = readFileSync(path, 'latin1'); } catch { return undefined; }
  const m = new RegExp(`^([0-9a-f]+) [Tt] ${name.replace(/\W/g, '\\$&')}\\n([0-9a-f]+) `, 'm').exec(text);
  if (!m) return undefined;
  const [lo, hi] = [BigInt(`0x${m[1]}`), BigInt(`0x${m[2]}`)];
  return lo > 0n && hi > lo ? [lo, hi] : undefined;
}
