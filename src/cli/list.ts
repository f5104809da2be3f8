// netdx list: the full map of the tools (netdx --help stays short). Each group is a layer of the
// stack for the BPF tools, then the classical ones; each tool says whether it runs here, and if
// not, what is missing.
import { LAYERS } from '../core/tool.js';
import { TABLE_WIDTH, wrapWords } from '../core/output.js';
import type { CatalogEntry } from '../tools/catalog.js';

const NAME_W = 16;
const RUNS_W = 4;

/** Hooks as one short line: "raw_tp/inet_sock_set_state" → "raw_tp inet_sock_set_state". */
function hookText(h: readonly string[]): string {
  return h.map((s) => s.replace(/^tracepoint\//, 'tp ').replace(/^(raw_tp|tp_btf)\//, '$1 ').replace(/^(u(?:ret)?probe)\//, '$1 ').replace(/^tp syscalls\//, 'syscall ')).join(', ');
}

export function renderCatalog(entries: readonly CatalogEntry[], opts: { root: boolean; environment?: readonly string[] }): string {
  const lines = ['netdx list: every tool, by layer; "runs" was found by loading its programs here', ''];
  // the name column fits the longest name (ieee80211scan) with a space after it
  const nameW = Math.max(NAME_W, ...entries.map((e) => e.name.length + 1));
  const indent = ' '.repeat(2 + nameW + RUNS_W + 1);
  const groups: Array<{ title: string; tools: CatalogEntry[] }> = [
    { title: 'Whole host', tools: entries.filter((e) => e.kind === 'overview') },
    ...LAYERS.filter((l) => l.id !== 'overview').map((l) => ({
      title: `${l.title} (BPF)`, tools: entries.filter((e) => e.kind === 'bpf' && e.layer === l.id),
    })),
    { title: 'Classical tools (netlink, /proc, /sys)', tools: entries.filter((e) => e.kind === 'classical') },
  ];
  for (const g of groups) {
    if (!g.tools.length) continue;
    lines.push(g.title);
    for (const e of g.tools) {
      lines.push(...wrapWords(e.summary, TABLE_WIDTH, `  ${e.name.padEnd(nameW)}${(e.runnable ? 'yes' : 'no').padEnd(RUNS_W)} `, indent));
      if (e.hooks.length) lines.push(...wrapWords(`hooks: ${hookText(e.hooks)}${e.via ? ` (via ${e.via})` : ''}`, TABLE_WIDTH, indent, `${indent}  `));
      if (e.reads) lines.push(...wrapWords(`reads: ${e.reads}`, TABLE_WIDTH, indent, `${indent}  `));
      if (e.why_not) lines.push(...wrapWords(`why not: ${e.why_not}`, TABLE_WIDTH, indent, `${indent}  `));
    }
    lines.push('');
  }
  const bpf = entries.filter((e) => e.kind === 'bpf');
  lines.push(`${bpf.filter((e) => e.runnable).length} of ${bpf.length} BPF tools run here${opts.root ? '' : ' (not root: run as root to check them)'}.`);
  // what no tool can see here (catalog.ts environmentNotes)
  if (opts.environment !== undefined) {
    lines.push('', 'Environment');
    if (!opts.environment.length) lines.push('  no NIC is bound to a kernel-bypass driver (vfio-pci, uio_pci_generic, igb_uio)');
    for (const n of opts.environment) lines.push(...wrapWords(n, TABLE_WIDTH, '  ', '    '));
  }
  return lines.join('\n') + '\n';
}

export function catalogJson(entries: readonly CatalogEntry[], environment: readonly string[] = []): string {
  return JSON.stringify({
    tools: entries.map((e) => ({
      name: e.name, layer: e.layer, summary: e.summary, hooks: e.hooks, runnable: e.runnable, why_not: e.why_not ?? null,
      kind: e.kind, ...(e.via ? { via: e.via } : {}), ...(e.reads ? { reads: e.reads } : {}),
    })),
    environment,
  }) + '\n';
}
