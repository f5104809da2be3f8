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
