import { defineTool } from '../../core/tool.js';
import { ndjson, renderTable, type Column } from '../../core/output.js';
import { NetdxError } from '../../core/errors.js';
import { globMatcher } from '../../core/glob.js';
import { resolveNetns } from '../../core/netns.js';
import { readTunables, type TunableValue } from './lib.js';
import { TUNABLES } from './tunables.js';

// DEFAULT reads "=" when the value is one of the kernel's defaults (most rows), which leaves the
// width to the meaning; "!= D" when it differs from the default D; "depends" when the default
// follows a rule (see --explain); "-" for a reading.
function defaultCell(t: TunableValue, explain: boolean): string {
  if (t.reading) return '-';
  if (t.defaults.length === 0) return 'depends';
  if (t.changed === false && !explain) return '=';
  const d = t.defaults[0] === '' ? '""' : t.defaults[0]!;
  const all = explain && t.defaults.length > 1 ? `${d} (or ${t.defaults.slice(1).join(', ')})` : d;
  return t.changed ? `!= ${all}` : all;
}

// "*": a tunable of the initial namespace only (footnote); its value there when netdx could read
// it, else "(initial ns)": never "(absent)", since it exists and governs this namespace too.
function valueCell(t: TunableValue): string {
  if (!t.present) return t.scope === 'initial' ? '(initial ns) *' : '(absent)';
  return `${t.value === '' ? '""' : t.value}${t.scope === 'initial' ? ' *' : ''}`;
}

// Every name starts with "net."; the table leaves it out to keep room for the meaning.
const short = (name: string) => name.replace(/^net\./, '');

export default defineTool({
  name: 'sysctl',
  layer: 'tunables',
  summary: 'the network tunables that matter, with defaults and meanings',
  args: '[GLOB...]',
  reads: '/proc/sys/net',
  replaces: 'sysctl -a | grep net., with the kernel\'s defaults beside the values',
  options: {
    changed: { type: 'bool', help: 'only tunables that differ from the kernel\'s default' },
    explain: { type: 'bool', short: 'e', help: 'full names, every accepted default and the rule behind it' },
    netns: { type: 'string', arg: 'NAME', help: 'this network namespace (a name under /run/netns, or a path)' },
  },
  examples: ['netdx sysctl', 'netdx sysctl --changed', "netdx sysctl 'net.ipv4.tcp_*mem' net.core.somaxconn", 'netdx sysctl --json'],
  async run(opts, ctx) {
    // Globs match the full name or the name without "net." (as the table shows it).
    const matches = (m: (s: string) => boolean, name: string) => m(name) || m(short(name));
    for (const p of opts._) {
      const one = globMatcher([p]);
      if (!TUNABLES.some((t) => matches(one, t.name))) {
        throw new NetdxError('E_USAGE', `parsing GLOB: '${p}' matches none of the tunables netdx knows (netdx sysctl lists them)`);
      }
    }
    const match = globMatcher(opts._);
    const netns = opts.netns !== undefined ? resolveNetns(opts.netns) : undefined;
    const rows = readTunables('/proc/sys', netns).filter((t) => matches(match, t.name) && (!opts.changed || t.changed === true));
    if (opts.json) {
      ctx.out.write(rows.map((r) => ndjson(r)).join(''));
      return 0;
    }
    // -e: full names, and the default (every accepted value, the rule) inside the meaning, which
    // then keeps a wide column to wrap in
    const cols: Column<TunableValue>[] = opts.explain ? [
      { header: 'NAME', get: (t) => t.name, cap: 34 },
      { header: 'VALUE', get: valueCell, cap: 20 },
      { header: 'MEANING', get: (t) => `${t.meaning} [${t.reading ? 'a reading' : `default: ${[t.defaults.length ? defaultCell(t, true) : '', t.rule ?? ''].filter(Boolean).join('; ') || 'unknown'}`}]` },
    ] : [
      { header: 'NAME (net.)', get: (t) => short(t.name), cap: 30 },
      { header: 'VALUE', get: valueCell, cap: 20 },
      { header: 'DEFAULT', get: (t) => defaultCell(t, false), cap: 10 },
      { header: 'MEANING', get: (t) => t.meaning },
    ];
    ctx.out.write(renderTable(cols, rows));
    if (rows.some((t) => t.scope === 'initial')) {
      ctx.out.write('* exists in the initial network namespace only, and applies to every namespace\n');
      if (rows.some((t) => t.scope === 'initial' && !t.present)) ctx.out.write('  (initial ns): netdx may not enter that namespace from here to read it\n');
    }
    return 0;
  },
});
