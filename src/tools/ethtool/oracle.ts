// Test support: parsers for ethtool(8)'s text output (the oracle the tests compare with).

/** `ethtool -S`: "     name: value" lines. */
export function parseEthtoolS(text: string): Map<string, bigint> {
  const m = new Map<string, bigint>();
  for (const line of text.split('\n').slice(1)) {
    const x = /^\s+(.+?):\s+(-?\d+)$/.exec(line);
    if (x) m.set(x[1]!, BigInt(x[2]!));
  }
  return m;
}

/** `ethtool -i` (and plain `ethtool`): "key: value" lines, keys lower-cased, tabs trimmed. */
export function parseKeyValues(text: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const line of text.split('\n')) {
    const i = line.indexOf(':');
    if (i > 0) m.set(line.slice(0, i).trim().toLowerCase(), line.slice(i + 1).trim());
  }
  return m;
}

/** `ethtool -l` / `-g`: { max: {RX: n, ...}, cur: {...} }, n/a as 0. */
export function parseMaxCurrent(text: string): { max: Record<string, number>; cur: Record<string, number> } {
  const out = { max: {} as Record<string, number>, cur: {} as Record<string, number> };
  let sec: Record<string, number> | undefined;
  for (const line of text.split('\n')) {
    if (/^Pre-set maximums/.test(line)) sec = out.max;
    else if (/^Current hardware settings/.test(line)) sec = out.cur;
    else if (sec) {
      const x = /^([A-Za-z ]+):\s+(\S+)$/.exec(line);
      if (x) sec[x[1]!] = x[2] === 'n/a' ? 0 : Number(x[2]);
    }
  }
  return out;
}

/** `ethtool -k`: feature -> { on, fixed } for every "name: on|off [fixed]" line. */
export function parseEthtoolK(text: string): Map<string, { on: boolean; fixed: boolean }> {
  const m = new Map<string, { on: boolean; fixed: boolean }>();
  for (const line of text.split('\n').slice(1)) {
    const x = /^\s*(\S+): (on|off)( \[fixed\])?/.exec(line);
    if (x) m.set(x[1]!, { on: x[2] === 'on', fixed: x[3] !== undefined });
  }
  return m;
}

/**
 * `ethtool -c`: parameter (by ethtool -C's name) -> number, true/false for on/off, or undefined
 * for n/a. "rx-frame-low" and the like (as -c prints them) become "rx-frames-low" (as -C takes
 * them); "Adaptive RX: on  TX: n/a" becomes adaptive-rx and adaptive-tx, "CQE mode" cqe-mode-*.
 */
export function parseEthtoolC(text: string): Map<string, number | boolean | undefined> {
  const m = new Map<string, number | boolean | undefined>();
  const val = (s: string) => (s === 'n/a' ? undefined : s === 'on' ? true : s === 'off' ? false : Number(s));
  for (const line of text.split('\n').slice(1)) {
    const pair = /^(Adaptive|CQE mode)\s+RX:\s+(\S+)\s+TX:\s+(\S+)/.exec(line);
    if (pair) {
      const p = pair[1] === 'Adaptive' ? 'adaptive' : 'cqe-mode';
      m.set(`${p}-rx`, val(pair[2]!));
      m.set(`${p}-tx`, val(pair[3]!));
      continue;
    }
    const x = /^([a-z-]+):\s+(\S+)$/.exec(line);
    if (x) m.set(x[1]!.replace(/-frame-/, '-frames-'), val(x[2]!));
  }
  return m;
}

/** `ethtool -x` (ioctl era and later): ring count, table, key, hash functions on; null where it says "Operation not supported". */
export function parseEthtoolX(text: string): { rings: number; indir: number[] | null; key: string | null; hfunc: string[] | null } {
  const rings = Number(/with (\d+) RX ring/.exec(text)?.[1]);
  const part = (start: RegExp, end: RegExp | undefined): string[] => {
    const lines = text.split('\n');
    const i = lines.findIndex((l) => start.test(l));
    if (i < 0) return [];
    const j = end ? lines.findIndex((l, k) => k > i && end.test(l)) : -1;
    return lines.slice(i + 1, j < 0 ? undefined : j).filter((l) => l.trim() !== '');
  };
  const unsupported = (ls: string[]) => ls.some((l) => /Operation not supported/.test(l));
  const tab = part(/^RX flow hash indirection table/, /^RSS hash key/);
  const key = part(/^RSS hash key/, /^RSS hash function/);
  const fn = part(/^RSS hash function/, /^RSS input transformation/);
  return {
    rings,
    indir: unsupported(tab) ? null : tab.flatMap((l) => l.replace(/^\s*\d+:/, '').trim().split(/\s+/).map(Number)),
    key: unsupported(key) ? null : key.join('').trim(),
    hfunc: unsupported(fn) ? null : fn.map((l) => /^\s*(\S+): on$/.exec(l)?.[1]).filter((x): x is string => !!x),
  };
}
