import { checkInterval } from '../../core/time.js';
import { defineTool } from '../../core/tool.js';
import { usageError } from '../../core/errors.js';
import { TABLE_WIDTH, ndjson, renderTable } from '../../core/output.js';
import {
  COALESCE_FIELDS, ETHTOOL_VIEWS, ethtoolReport, ethtoolViews, type Coalesce, type CoalesceKey, type EthtoolReport, type EthtoolView,
  type EthtoolViews, type Feature, type ModuleInfo, type Pause, type Rss, type Section, type StatDelta,
} from './lib.js';
import { resolveNetns } from '../../core/netns.js';

function na(n: number): string {
  return n === 0 ? '-' : String(n);
}

function sectionLine<T>(title: string, s: Section<T>, body: (v: T) => string): string {
  return `${(title + ':').padEnd(10)} ${s.ok ? body(s.value) : s.reason}\n`;
}

/** Features as a grid of "name on|off" cells, [fixed] ones marked with '*'. */
function featureGrid(fs: readonly Feature[]): string {
  const w = Math.max(...fs.map((f) => f.name.length)) + 5;
  const cols = Math.max(1, Math.floor((TABLE_WIDTH + 1) / (w + 1)));
  const cells = fs.map((f) => `${f.name.padEnd(w - 4)}${f.active ? ' on' : 'off'}${f.fixed ? '*' : ' '}`);
  const lines: string[] = [];
  for (let i = 0; i < cells.length; i += cols) lines.push(cells.slice(i, i + cols).join(' ').trimEnd());
  return lines.join('\n') + '\n';
}

function render(r: EthtoolReport): string {
  let out = '';
  out += sectionLine('driver', r.driver, (d) =>
    `${d.driver}${d.version ? ` ${d.version}` : ''}, bus ${d.busInfo || '-'}, firmware ${d.firmware || '-'}`);
  out += sectionLine('link', r.link, (l) =>
    `${l.speedMbps !== undefined ? `${l.speedMbps}Mb/s` : 'speed unknown'}, ${l.duplex} duplex, port ${l.port}, autoneg ${l.autoneg ? 'on' : 'off'}`);
  out += sectionLine('channels', r.channels, (c) =>
    `rx ${na(c.rx)}/${na(c.maxRx)}  tx ${na(c.tx)}/${na(c.maxTx)}  other ${na(c.other)}/${na(c.maxOther)}  combined ${na(c.combined)}/${na(c.maxCombined)}  (current/max)`);
  out += sectionLine('rings', r.rings, (g) =>
    `rx ${na(g.rx)}/${na(g.rxMax)}  rx-mini ${na(g.rxMini)}/${na(g.rxMiniMax)}  rx-jumbo ${na(g.rxJumbo)}/${na(g.rxJumboMax)}  tx ${na(g.tx)}/${na(g.txMax)}  (current/max)`);
  if (r.features.ok) {
    const on = r.features.value.filter((f) => f.active).length;
    out += `\noffloads: ${on} of ${r.features.value.length} on (* = fixed, cannot be changed)\n`;
    out += featureGrid(r.features.value);
  } else out += sectionLine('offloads', r.features, () => '');
  out += '\n';
  if (!r.stats.ok) return out + sectionLine('statistics', r.stats, () => '');
  const abs = r.interval === 0;
  out += abs ? 'statistics (absolute, zeros suppressed):\n' : `statistics (change over ${r.interval} s, unchanged suppressed):\n`;
  if (r.stats.value.length === 0) return out + '  (none)\n';
  const cols = abs
    ? [{ header: 'NAME', get: (s: StatDelta) => s.name, cap: 60 }, { header: 'VALUE', get: (s: StatDelta) => s.value, align: 'right' as const }]
    : [
      { header: 'NAME', get: (s: StatDelta) => s.name, cap: 50 },
      { header: 'DELTA', get: (s: StatDelta) => s.delta, align: 'right' as const },
      { header: 'PER_S', get: (s: StatDelta) => (Number(s.delta ?? 0n) / r.interval).toFixed(1), align: 'right' as const },
      { header: 'VALUE', get: (s: StatDelta) => s.value, align: 'right' as const },
    ];
  return out + renderTable(cols, r.stats.value);
}

/** Sections as JSON: the value, or {"unsupported": reason, "errno": n}. */
function sectionJson<T>(s: Section<T>): unknown {
  return s.ok ? s.value : { unsupported: s.reason, errno: s.errno };
}

// ---------------------------------------------------------------- the views (-c, -a, -x, -m)

/** Words into lines of at most TABLE_WIDTH columns, continuation lines indented by `indent`. */
function wrapWords(first: string, words: readonly string[], indent: number, sep = ' '): string {
  const lines: string[] = [];
  let cur = first;
  for (const w of words) {
    if (cur.trim() !== '' && cur.length + sep.length + w.length > TABLE_WIDTH) { lines.push(cur); cur = ' '.repeat(indent) + w; }
    else cur += (cur.trim() === '' ? '' : sep) + w;
  }
  lines.push(cur);
  return lines.join('\n') + '\n';
}

const COALESCE_NAME = new Map(COALESCE_FIELDS.map((f) => [f.key, f.name]));
const COALESCE_COLS = ['usecs', 'frames', 'usecs-irq', 'frames-irq', 'usecs-low', 'frames-low', 'usecs-high', 'frames-high'];
type Dir = 'rx' | 'tx';
const dirKey = (d: Dir, col: string): CoalesceKey =>
  (d + col.split('-').map((w) => (w === 'irq' ? 'Irq' : w[0]!.toUpperCase() + w.slice(1))).join('')) as CoalesceKey;

/** ethtool -c as a table: rx and tx rows (rx + usecs-irq is ethtool -C's rx-usecs-irq), n/a where the driver has none. */
export function renderCoalesce(s: Section<Coalesce>): string {
  if (!s.ok) return sectionLine('coalescing', s, () => '');
  const c = s.value;
  const v = (k: CoalesceKey): string => {
    const x = c[k];
    return x === undefined ? 'n/a' : typeof x === 'boolean' ? (x ? 'on' : 'off') : String(x);
  };
  let out = c.via === 'netlink'
    ? 'coalescing (n/a: the driver does not support it; rx + usecs is ethtool -C rx-usecs):\n'
    : 'coalescing over the ioctl (no ethtool netlink here): a parameter the driver lacks reads 0,\n'
      + '  CQE mode and TX aggregation are unknown (n/a); rx + usecs is ethtool -C rx-usecs:\n';
  const cols = [
    { header: '', get: (d: Dir) => d },
    ...COALESCE_COLS.map((col) => ({ header: col, get: (d: Dir) => v(dirKey(d, col)), align: 'right' as const })),
    { header: 'adaptive', get: (d: Dir) => v(d === 'rx' ? 'adaptiveRx' : 'adaptiveTx'), align: 'right' as const },
    { header: 'cqe-mode', get: (d: Dir) => v(d === 'rx' ? 'cqeModeRx' : 'cqeModeTx'), align: 'right' as const },
  ];
  out += renderTable(cols, ['rx', 'tx'] as Dir[]);
  const pairs = (keys: CoalesceKey[]) => wrapWords('', keys.map((k) => `${COALESCE_NAME.get(k)} ${v(k)}`), 0, '  ');
  out += pairs(['statsBlockUsecs', 'sampleInterval', 'pktRateLow', 'pktRateHigh']);
  return out + pairs(['txAggrMaxBytes', 'txAggrMaxFrames', 'txAggrTimeUsecs']);
}

const onOff = (b: boolean) => (b ? 'on' : 'off');

/** ethtool -a: one line. */
export function renderPause(s: Section<Pause>): string {
  return sectionLine('pause', s, (p) =>
    `autoneg ${onOff(p.autoneg)}, rx ${onOff(p.rx)}, tx ${onOff(p.tx)}  (rx: obeys PAUSE frames; tx: sends them)`);
}

/** ethtool -x: ring count and hash function, the key, the indirection table and how many entries each ring has. */
export function renderRss(s: Section<Rss>, who: string): string {
  if (!s.ok) return sectionLine('rss', s, () => '');
  const r = s.value;
  const no = `not supported by ${who}`;
  const rings = r.rxRings === undefined ? 'RX rings unknown' : `${r.rxRings} RX ring${r.rxRings === 1 ? '' : 's'}`;
  let out = `${'rss:'.padEnd(10)} ${rings}, hash function ${r.hfunc.length ? r.hfunc.join(',') : no}, input transform ${r.inputXfrm}\n`;
  out += r.key ? wrapWords(`${'hash key:'.padEnd(10)}`, chunk(r.key.split(':'), 24).map((c) => c.join(':')), 11)
    : `${'hash key:'.padEnd(10)} ${no}\n`;
  if (r.indir.length === 0) return out + `indirection table: ${no}\n`;
  out += `indirection table (${r.indir.length} entries: entry -> RX ring):\n`;
  for (let i = 0; i < r.indir.length; i += 8) {
    out += `${String(i).padStart(5)}: ${r.indir.slice(i, i + 8).map((x) => ` ${String(x).padStart(5)}`).join('')}\n`;
  }
  const per = new Map<number, number>();
  for (const x of r.indir) per.set(x, (per.get(x) ?? 0) + 1);
  const counts = [...per].sort((a, b) => a[0] - b[0]).map(([ring, n]) => `${ring}:${n}`);
  return out + wrapWords('entries per RX ring (ring:entries):', counts, 2);
}

function chunk<T>(xs: readonly T[], n: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += n) out.push(xs.slice(i, i + n));
  return out;
}

/** ethtool -m, presence only: the module's EEPROM standard and size. */
export function renderModule(s: Section<ModuleInfo>): string {
  return sectionLine('module', s, (m) => `${m.standard} (${m.form}), EEPROM ${m.eepromLen} bytes`);
}

/** The asked views in ethtool's order; a blank line around those of more than one line. */
export function renderViews(v: EthtoolViews): string {
  const parts: string[] = [];
  if (v.coalesce) parts.push(renderCoalesce(v.coalesce));
  if (v.pause) parts.push(renderPause(v.pause));
  if (v.rss) parts.push(renderRss(v.rss, v.who));
  if (v.module) parts.push(renderModule(v.module));
  const long = (p: string) => p.indexOf('\n') < p.length - 1;
  return parts.map((p, i) => (i > 0 && (long(p) || long(parts[i - 1]!)) ? '\n' : '') + p).join('');
}

export default defineTool({
  name: 'ethtool',
  layer: 'device',
  summary: 'driver counters as deltas, rings, queues, offloads, coalescing, pause, RSS (ethtool)',
  reads: 'ethtool generic netlink, SIOCETHTOOL',
  replaces: 'ethtool -i, -S, -g, -l, -k, -c, -a, -x, -m (module presence) and plain ethtool (link)',
  args: 'IFACE',
  options: {
    interval: { type: 'number', short: 'i', arg: 'SECONDS', help: 'driver statistics as the change over this interval (default 1)' },
    absolute: { type: 'bool', help: 'driver statistics as absolute values (no wait)' },
    zeros: { type: 'bool', short: 'Z', help: 'also show statistics that are zero or did not change' },
    'show-coalesce': { type: 'bool', short: 'c', help: 'only coalescing (interrupt moderation), as ethtool -c' },
    'show-pause': { type: 'bool', short: 'a', help: 'only pause (flow control) parameters, as ethtool -a' },
    'show-rxfh': { type: 'bool', short: 'x', help: 'only RSS: rings, hash function and key, indirection table (ethtool -x)' },
    'module-info': { type: 'bool', short: 'm', help: 'only the plugged module (SFP, QSFP): its EEPROM type and size' },
    netns: { type: 'string', arg: 'NAME', help: "the device's network namespace (a name under /run/netns, or a path)" },
  },
  examples: ['netdx ethtool eth0', 'netdx ethtool --absolute eth0', 'netdx ethtool -i 5 eth0', 'netdx ethtool -c eth0',
    'netdx ethtool -x eth0', 'netdx ethtool --json -c -a eth0'],
  async run(opts, ctx) {
    if (opts._.length !== 1) throw usageError('parsing arguments: give exactly one interface (netdx ethtool IFACE)');
    const flags: Record<EthtoolView, boolean> = {
      coalesce: opts['show-coalesce'], pause: opts['show-pause'], rss: opts['show-rxfh'], module: opts['module-info'],
    };
    const views = ETHTOOL_VIEWS.filter((v) => flags[v]);
    const netns = opts.netns !== undefined ? resolveNetns(opts.netns) : undefined;
    if (views.length > 0) {
      if (opts.interval !== undefined || opts.absolute || opts.zeros) {
        throw usageError('parsing arguments: -i, --absolute and -Z are for the statistics, not for -c, -a, -x or -m');
      }
      const v = ethtoolViews(opts._[0]!, views, { netns });
      if (opts.json) {
        const o: Record<string, unknown> = { iface: v.iface };
        for (const k of views) o[k] = sectionJson(v[k] as Section<unknown>);
        ctx.out.write(ndjson(o));
      } else ctx.out.write(renderViews(v));
      return 0;
    }
    const interval = opts.interval ?? 1;
    if (opts.absolute && opts.interval !== undefined) throw usageError('parsing arguments: --absolute takes no interval (-i)');
    if (!opts.absolute) checkInterval(interval);
    const r = await ethtoolReport(opts._[0]!, { interval: opts.absolute ? 0 : interval, zeros: opts.zeros, signal: ctx.signal, netns });
    if (opts.json) {
      ctx.out.write(ndjson({
        iface: r.iface, interval: r.interval, driver: sectionJson(r.driver), link: sectionJson(r.link),
        channels: sectionJson(r.channels), rings: sectionJson(r.rings), features: sectionJson(r.features),
        stats: sectionJson(r.stats),
      }));
    } else ctx.out.write(render(r));
    return 0;
  },
});
