import { defineTool } from '../../core/tool.js';
import { usageError } from '../../core/errors.js';
import { TABLE_WIDTH, ndjson, renderTable } from '../../core/output.js';
import { ethtoolReport, type EthtoolReport, type Feature, type Section, type StatDelta } from './lib.js';
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

export default defineTool({
  name: 'ethtool',
  layer: 'device',
  summary: 'driver statistics as deltas, rings, channels, offloads, speed (ethtool)',
  replaces: 'ethtool -i, -S, -g, -l, -k and the link settings of plain ethtool',
  args: 'IFACE',
  options: {
    interval: { type: 'number', short: 'i', arg: 'SECONDS', help: 'driver statistics as the change over this interval', default: 1 },
    absolute: { type: 'bool', short: 'a', help: 'driver statistics as absolute values (no wait)' },
    zeros: { type: 'bool', short: 'Z', help: 'also show statistics that are zero or did not change' },
    netns: { type: 'string', arg: 'NAME', help: "the device's network namespace (a name under /run/netns, or a path)" },
  },
  examples: ['netdx ethtool eth0', 'netdx ethtool -a eth0', 'netdx ethtool -i 5 eth0', 'netdx ethtool --json eth0'],
  async run(opts, ctx) {
    if (opts._.length !== 1) throw usageError('parsing arguments: give exactly one interface (netdx ethtool IFACE)');
    if (!opts.absolute && (!(opts.interval > 0) || opts.interval > 3600)) {
      throw usageError('parsing -i: SECONDS must be above 0 and at most 3600');
    }
    const netns = opts.netns !== undefined ? resolveNetns(opts.netns) : undefined;
    const r = await ethtoolReport(opts._[0]!, { interval: opts.absolute ? 0 : opts.interval, zeros: opts.zeros, signal: ctx.signal, netns });
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
