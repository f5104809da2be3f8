// Kernel addresses to function names, from /proc/kallsyms (root sees the real addresses): the
// location a drop tracepoint reports ("nft_do_chain+0x1a4") says where a packet died.

export interface Kallsyms {
  /** "name+0xoff" for an address, or its hex when no symbol covers it. */
  symbolize(addr: bigint): string;
}

/** Parses /proc/kallsyms text into a sorted table for lookups (text only: T/t/W/w symbols). */
export function parseKallsyms(text: string): Kallsyms {
  const addrs: bigint[] = [];
  const names: string[] = [];
  for (const line of text.split('\n')) {
    // "ffffffff81000000 T _stext [module]"
    const sp1 = line.indexOf(' ');
    if (sp1 < 0) continue;
    const type = line[sp1 + 1];
    if (type !== 'T' && type !== 't' && type !== 'W' && type !== 'w') continue;
    const a = BigInt(`0x${line.slice(0, sp1)}`);
    if (a === 0n) continue; // hidden (kptr_restrict): no use
    const rest = line.slice(sp1 + 3);
    const tab = rest.indexOf('\t');
    addrs.push(a);
    names.push(tab < 0 ? rest : rest.slice(0, tab));
  }
  const order = addrs.map((_, i) => i).sort((x, y) => (addrs[x]! < addrs[y]! ? -1 : addrs[x]! > addrs[y]! ? 1 : 0));
  const sa = order.map((i) => addrs[i]!);
  const sn = order.map((i) => names[i]!);
  return {
    symbolize(addr: bigint): string {
      let lo = 0, hi = sa.length - 1, best = -1;
      while (lo <= hi) {
        const mid = (lo + hi) >> 1;
        if (sa[mid]! <= addr) { best = mid; lo = mid + 1; } else hi = mid - 1;
      }
      if (best < 0) return `0x${addr.toString(16)}`;
      const off = addr - sa[best]!;
      return off === 0n ? sn[best]! : `${sn[best]}+0x${off.toString(16)}`;
    },
  };
}
