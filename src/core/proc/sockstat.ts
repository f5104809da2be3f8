// /proc/net/sockstat and /proc/net/sockstat6: socket counts per protocol (what ss -s prints).
// Text in, typed out; the caller reads the files.

/** Protocol line ("TCP", "UDP6", "sockets", ...) -> key -> value. `mem` values are in pages. */
export type Sockstat = Record<string, Record<string, number>>;

/** Parses lines like "TCP: inuse 5 orphan 0 tw 2 alloc 7 mem 1"; both files share the form. */
export function parseSockstat(text: string): Sockstat {
  const out: Sockstat = {};
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const words = line.slice(colon + 1).trim().split(/\s+/);
    const row: Record<string, number> = {};
    for (let i = 0; i + 1 < words.length; i += 2) {
      const v = Number(words[i + 1]);
      if (Number.isFinite(v)) row[words[i]!] = v;
    }
    out[line.slice(0, colon).trim()] = row;
  }
  return out;
}
