import { defineTool } from '../../core/tool.js';
import { fitLastColumn, ndjson, renderTable, type Column } from '../../core/output.js';
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

// Every name starts with "net."; the table leaves it out to keep room for the meaning.
const short = (name: string) => name.replace(/^net\./, '');

export default defineTool({
  name: 'sysctl',
  layer: 'tunables',
  summary: 'the network tunables that matter, with defaults and meanings',
  args: '[GLOB...]',
  replaces: 'sysctl -a | grep net., with the kernel\'s defaults beside the values',
  options: {
    changed: { type: 'bool', help: 'only tunables that differ from the kernel\'s default' },
    explain: { type: 'bool', short: 'e', help: 'full meanings, default rules and older defaults (lines may pass 100 columns)' },
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
    const cols: Column<TunableValue>[] = [
      { header: opts.explain ? 'NAME' : 'NAME (net.)', get: (t) => (opts.explain ? t.name : short(t.name)) },
      // "*": a tunable of the initial namespace only, shown with its value there (footnote)
      { header: 'VALUE', get: (t) => (t.present ? `${t.value === '' ? '""' : t.value}${t.scope === 'initial' ? ' *' : ''}` : '(absent)'), max: opts.explain ? undefined : 22 },
      { header: 'DEFAULT', get: (t) => defaultCell(t, opts.explain), max: opts.explain ? undefined : 22 },
      { header: 'MEANING', get: (t) => (opts.explain && t.rule ? `${t.meaning} [default: ${t.rule}]` : t.meaning) },
    ];
    ctx.out.write(renderTable(opts.explain ? cols : fitLastColumn(cols, rows), rows));
    if (rows.some((t) => t.scope === 'initial')) {
      ctx.out.write('* exists in the initial network namespace only: its value there applies to every namespace\n');
    }
    return 0;
  },
});
