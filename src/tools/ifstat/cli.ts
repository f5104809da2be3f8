import { readFileSync } from 'node:fs';
import { defineTool } from '../../core/tool.js';
import { NetdxError, usageError } from '../../core/errors.js';
import { ndjson, tableLayout, type Column } from '../../core/output.js';
import { RateAverager, linkRates, parseUptime, sampleLinks, sampleRates, type LinkRates, type Sample } from './lib.js';
import { checkInterval, sleep } from '../../core/time.js';
import { resolveNetns } from '../../core/netns.js';

// Packets per second with SI prefixes (k = 1000, M = 10^6); bytes per second with IEC ones
// (Ki = 1024, Mi = 1024^2, ...): the column says the unit (B/s), the value only scales it.
function n1(v: number): string {
  const a = Math.abs(v);
  if (a >= 1e6) return `${(v / 1e6).toFixed(1)}M`;
  if (a >= 1e4) return `${(v / 1e3).toFixed(1)}k`;
  const r = Math.round(v * 10) / 10;
  return Number.isInteger(r) ? String(r) : r.toFixed(1);
}

const IEC = ['Ki', 'Mi', 'Gi', 'Ti', 'Pi'];

/** Bytes: whole below 1024, else 1 decimal below 100 of its unit ("30.5Ki", "512Mi"). */
export function iec(v: number): string {
  if (Math.round(v) < 1024) return String(Math.round(v));
  let x = v / 1024;
  for (let u = 0; ; u++, x /= 1024) {
    const t = x.toFixed(x < 99.95 ? 1 : 0);
    if (Number(t) < 1024 || u === IEC.length - 1) return `${t}${IEC[u]}`;
  }
}

/** A table row: the report's time (HH:MM:SS, or "Average:") and one interface's rates. */
type Row = { time: string; r: LinkRates };

const COLUMNS: ReadonlyArray<Column<Row>> = [
  { header: 'TIME', get: (x) => x.time },
  { header: 'IFACE', get: (x) => x.r.name, cap: 15 },
  { header: 'rxPk/s', get: (x) => n1(x.r.rx_pps), align: 'right' },
  { header: 'txPk/s', get: (x) => n1(x.r.tx_pps), align: 'right' },
  { header: 'rxB/s', get: (x) => iec(x.r.rx_Bps), align: 'right' },
  { header: 'txB/s', get: (x) => iec(x.r.tx_Bps), align: 'right' },
  { header: 'rxAvs', get: (x) => Math.round(x.r.rx_avg), align: 'right' },
  { header: 'txAvs', get: (x) => Math.round(x.r.tx_avg), align: 'right' },
  { header: '%Util', get: (x) => (x.r.util_pct === undefined ? '-' : x.r.util_pct.toFixed(x.r.util_pct < 10 ? 2 : 1)), align: 'right' },
  { header: 'Err/s', get: (x) => n1(x.r.rx_errors + x.r.tx_errors), align: 'right' },
  { header: 'Drop/s', get: (x) => n1(x.r.rx_dropped + x.r.tx_dropped), align: 'right' },
  { header: 'Ovr/s', get: (x) => n1(x.r.rx_fifo + x.r.rx_over + x.r.rx_missed + x.r.tx_fifo), align: 'right' },
  { header: 'QDrop/s', get: (x) => (x.r.qdisc ? n1(x.r.qdisc_drops) : '-'), align: 'right' },
];

function checkNames(s: Sample, names: readonly string[]): void {
  const have = new Set(s.links.map((l) => l.name));
  const missing = names.filter((n) => !have.has(n));
  if (missing.length) throw new NetdxError('E_NOT_FOUND', `reading interface ${missing.join(', ')}: no such interface`);
}

const moved = (r: LinkRates) => r.rx_pps > 0 || r.tx_pps > 0 || r.qdisc_drops > 0;

export default defineTool({
  name: 'ifstat',
  layer: 'device',
  summary: 'per interface: packets, bytes, errors, drops, qdisc drops (sar -n DEV,EDEV, nicstat)',
  reads: 'rtnetlink (links with IFLA_STATS64, qdiscs), SIOCETHTOOL for speed',
  replaces: 'nicstat, sar -n DEV,EDEV, ifstat, ip -s link, tc -s qdisc (drops)',
  args: '[IFACE...]',
  options: {
    interval: { type: 'number', short: 'i', arg: 'SECONDS', help: 'length of one interval (default 1)' },
    count: { type: 'int', short: 'c', arg: 'COUNT', help: 'intervals to print, 0 = until Ctrl-C (default 1)' },
    'since-boot': { type: 'bool', short: 'a', help: 'one report: averages since boot (counters / uptime)' },
    'skip-zero': { type: 'bool', short: 'z', help: 'skip interfaces that moved no packets and dropped none in a qdisc' },
    netns: { type: 'string', arg: 'NAME', help: 'this network namespace (a name under /run/netns, or a path)' },
  },
  examples: ['netdx ifstat', 'netdx ifstat -i 5 -c 12 eth0', 'netdx ifstat -c 0 -z', 'netdx ifstat -a', 'netdx ifstat --json -c 3'],
  async run(opts, ctx) {
    if (opts['since-boot'] && (opts.interval !== undefined || opts.count !== undefined)) {
      throw usageError('parsing arguments: -a prints averages since boot and takes no -i/-c');
    }
    const interval = opts.interval ?? 1;
    const count = opts.count ?? 1;
    checkInterval(interval);
    if (!(count >= 0)) throw usageError(`parsing -c: '${count}' must be 0 (until Ctrl-C) or more`);
    const names = opts._;
    const shown = (rows: LinkRates[]) => (opts['skip-zero'] ? rows.filter(moved) : rows);
    // Columns keep the widest they have been: reports line up under one another.
    let widths: readonly number[] = [8];
    const print = (time: string, rows: LinkRates[], first: boolean) => {
      const t = tableLayout(COLUMNS, rows.map((r) => ({ time, r })), widths);
      widths = t.widths;
      ctx.out.write([...(first ? [] : ['']), t.header(), ...rows.map((r) => t.row({ time, r }))].join('\n') + '\n');
    };
    const emit = (rows: LinkRates[], at: Date, first: boolean) => {
      if (opts.json) {
        const time = at.toISOString();
        ctx.out.write(shown(rows).map((r) => ndjson({ time, ...r })).join(''));
      } else {
        print(at.toTimeString().slice(0, 8), shown(rows), first);
      }
    };
    const netns = opts.netns !== undefined ? resolveNetns(opts.netns) : undefined;
    let prev = sampleLinks(names, netns);
    checkNames(prev, names);
    if (opts['since-boot']) {
      const up = parseUptime(readFileSync('/proc/uptime', 'utf8'));
      emit(prev.links.map((l) => linkRates(undefined, l, up)), new Date(), true);
      return 0;
    }
    // Ctrl-C (or -c's count) ends the loop; an interval cut short is not printed, as sar.
    const avg = new RateAverager();
    let printed = 0;
    while ((count === 0 || printed < count) && !ctx.signal.aborted) {
      await sleep(interval * 1000, ctx.signal);
      if (ctx.signal.aborted) break;
      const cur = sampleLinks(names, netns);
      const at = new Date();
      const seconds = (cur.tMs - prev.tMs) / 1000;
      const rows = sampleRates(prev, cur, seconds);
      avg.add(rows, seconds);
      emit(rows, at, printed === 0);
      printed++;
      prev = cur;
    }
    // sar's Average rows; --json leaves them out: every line there is one interval (its exact
    // `delta` and `seconds` sum to the same figures).
    if (printed > 1 && !opts.json) print('Average:', shown(avg.rows()), false);
    return 0;
  },
});
