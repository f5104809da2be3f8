import { readFileSync } from 'node:fs';
import { defineTool } from '../../core/tool.js';
import { NetdxError, usageError } from '../../core/errors.js';
import { ndjson, renderTable, type Column } from '../../core/output.js';
import { linkRates, parseUptime, sampleLinks, sampleRates, type LinkRates, type Sample } from './lib.js';
import { sleep } from '../../core/time.js';
import { resolveNetns } from '../../core/netns.js';

// Same scale for whole and fractional values (fmtNum keeps whole numbers below 1e6 as they are).
function n1(v: number): string {
  const a = Math.abs(v);
  if (a >= 1e6) return `${(v / 1e6).toFixed(1)}M`;
  if (a >= 1e4) return `${(v / 1e3).toFixed(1)}k`;
  const r = Math.round(v * 10) / 10;
  return Number.isInteger(r) ? String(r) : r.toFixed(1);
}
const n0 = (v: number) => n1(Math.round(v));

const COLUMNS: ReadonlyArray<Column<LinkRates>> = [
  { header: 'IFACE', get: (r) => r.name, cap: 15 },
  { header: 'rxPk/s', get: (r) => n1(r.rx_pps), align: 'right' },
  { header: 'txPk/s', get: (r) => n1(r.tx_pps), align: 'right' },
  { header: 'rxKB/s', get: (r) => n1(r.rx_kBps), align: 'right' },
  { header: 'txKB/s', get: (r) => n1(r.tx_kBps), align: 'right' },
  { header: 'rxAvs', get: (r) => n0(r.rx_avg), align: 'right' },
  { header: 'txAvs', get: (r) => n0(r.tx_avg), align: 'right' },
  { header: '%Util', get: (r) => (r.util_pct === undefined ? '-' : r.util_pct.toFixed(r.util_pct < 10 ? 2 : 1)), align: 'right' },
  { header: 'Sat', get: (r) => n1(r.sat), align: 'right' },
  { header: 'Errs', get: (r) => n1(r.rx_errors + r.tx_errors), align: 'right' },
  { header: 'Drops', get: (r) => n1(r.rx_dropped + r.tx_dropped), align: 'right' },
  { header: 'Fifo', get: (r) => n1(r.rx_fifo + r.rx_over + r.tx_fifo), align: 'right' },
  { header: 'Miss', get: (r) => n1(r.rx_missed), align: 'right' },
  { header: 'Carr', get: (r) => n1(r.tx_carrier), align: 'right' },
];

function checkNames(s: Sample, names: readonly string[]): void {
  const have = new Set(s.links.map((l) => l.name));
  const missing = names.filter((n) => !have.has(n));
  if (missing.length) throw new NetdxError('E_NOT_FOUND', `reading interface ${missing.join(', ')}: no such interface`);
}

export default defineTool({
  name: 'ifstat',
  layer: 'device',
  summary: 'per-interface packets, bytes, errors, drops, utilisation (sar -n DEV,EDEV, nicstat)',
  replaces: 'nicstat, sar -n DEV,EDEV, ifstat, ip -s link',
  args: '[IFACE...]',
  options: {
    interval: { type: 'number', short: 'i', arg: 'SECONDS', help: 'sampling interval', default: 1 },
    count: { type: 'int', short: 'c', arg: 'COUNT', help: 'number of intervals to print', default: 1 },
    'since-boot': { type: 'bool', short: 'a', help: 'one report: averages since boot (counters / uptime)' },
    'skip-zero': { type: 'bool', short: 'z', help: 'skip interfaces that moved no packets' },
    netns: { type: 'string', arg: 'NAME', help: 'this network namespace (a name under /run/netns, or a path)' },
  },
  examples: ['netdx ifstat', 'netdx ifstat -i 5 -c 12 eth0', 'netdx ifstat -a', 'netdx ifstat --json -c 3'],
  async run(opts, ctx) {
    if (!(opts.interval > 0) || opts.interval > 86400) throw usageError('parsing -i: SECONDS must be above 0 and at most 86400');
    if (!(opts.count >= 1)) throw usageError('parsing -c: COUNT must be at least 1');
    const names = opts._;
    const emit = (rows: LinkRates[], first: boolean) => {
      const shown = opts['skip-zero'] ? rows.filter((r) => r.rx_pps > 0 || r.tx_pps > 0) : rows;
      if (opts.json) {
        const time = new Date().toISOString();
        ctx.out.write(shown.map((r) => ndjson({ time, ...r })).join(''));
      } else {
        ctx.out.write((first ? '' : '\n') + renderTable(COLUMNS, shown));
      }
    };
    const netns = opts.netns !== undefined ? resolveNetns(opts.netns) : undefined;
    let prev = sampleLinks(names, netns);
    checkNames(prev, names);
    if (opts['since-boot']) {
      const up = parseUptime(readFileSync('/proc/uptime', 'utf8'));
      emit(prev.links.map((l) => linkRates(undefined, l, up)), true);
      return 0;
    }
    for (let i = 0; i < opts.count && !ctx.signal.aborted; i++) {
      await sleep(opts.interval * 1000, ctx.signal);
      if (ctx.signal.aborted) break;
      const cur = sampleLinks(names, netns);
      emit(sampleRates(prev, cur), i === 0);
      prev = cur;
    }
    return 0;
  },
});
