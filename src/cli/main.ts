// netdx entry point: global flags, the tool table, one-line errors and exit codes.
//   exit 0  ok;  1  bad input or a runtime failure;  2  this machine lacks a feature or privilege
import { readFileSync } from 'node:fs';
import { bpfPrivilegeHint, missingBpfCaps } from '../core/proc/caps.js';
import { NetdxError, formatError } from '../core/errors.js';
import { ROOT_DIR } from '../core/files.js';
import { LAYERS, type OptionSpecs, type RunContext, type ToolDef } from '../core/tool.js';
import { TOOLS, findTool } from '../tools/registry.js';
import { parseArgs, formatOptions } from './args.js';
import { installProcessCleanup, runCleanup } from '../core/cleanup.js';

function version(): string {
  const pkg = JSON.parse(readFileSync(`${ROOT_DIR}package.json`, 'utf8')) as { version: string };
  return pkg.version;
}

const LIST_OPTIONS: OptionSpecs = {};
const LIST_HELP = 'netdx list — every tool by stack layer: what it shows, its hooks, and whether it runs here\n'
  + 'Usage: netdx list [--json]\n\nEach BPF tool\'s programs are loaded and attached here (then freed) to say whether it runs,\n'
  + 'and if not, what is missing.\n';

function mainHelp(): string {
  const lines = [
    `netdx ${version()} — Linux network performance debugger`,
    '',
    'Usage: netdx COMMAND [OPTIONS]      (netdx COMMAND --help for its options)',
    '',
  ];
  for (const layer of LAYERS) {
    const tools = TOOLS.filter((t) => t.layer === layer.id);
    if (tools.length === 0) continue;
    lines.push(`${layer.title}:`);
    for (const t of tools) lines.push(`  ${t.name.padEnd(10)}  ${t.summary}`);
    lines.push('');
  }
  lines.push('netdx list shows every tool with its hooks and whether it runs here.');
  lines.push('Every command speaks --json. Run as root (others prefix sudo).');
  return lines.join('\n') + '\n';
}

export function toolHelp(t: ToolDef<OptionSpecs>): string {
  // What it is, then how to call it: usage and summary on one line ran past 100 columns
  const lines = [`netdx ${t.name} — ${t.summary}`, `Usage: netdx ${t.name}${t.args ? ' ' + t.args : ''} [OPTIONS]`];
  if (t.replaces) lines.push(`Replaces: ${t.replaces}`);
  if (t.hooks?.length) lines.push(`BPF hooks: ${t.hooks.join(', ')}`);
  lines.push('', 'Options:', formatOptions(t.options));
  if (t.examples?.length) lines.push('', 'Examples:', ...t.examples.map((e) => `  ${e}`));
  return lines.join('\n') + '\n';
}

export function exitCodeFor(err: unknown): number {
  if (err instanceof NetdxError && (err.code === 'E_UNSUPPORTED' || err.code === 'E_PERMISSION')) return 2;
  return 1;
}

async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  if (cmd === 'help' && rest[0] !== undefined) {
    // netdx help TOOL: that tool's help, as netdx TOOL --help
    const t = findTool(rest[0]);
    if (!t) throw new NetdxError('E_USAGE', `running netdx help: unknown command '${rest[0]}' (netdx --help lists them)`);
    process.stdout.write(toolHelp(await t.load()));
    return 0;
  }
  if (cmd === undefined || cmd === '-h' || cmd === '--help' || cmd === 'help') {
    process.stdout.write(mainHelp());
    return cmd === undefined ? 1 : 0;
  }
  if (cmd === 'list') {
    // the full map of the tools, each checked here; its own few options
    if (rest.includes('-h') || rest.includes('--help')) { process.stdout.write(LIST_HELP); return 0; }
    const opts = parseArgs(LIST_OPTIONS, rest, 'list', false);
    const { environmentNotes, toolCatalog } = await import('../tools/catalog.js');
    const { catalogJson, renderCatalog } = await import('./list.js');
    const entries = await toolCatalog();
    const environment = environmentNotes();
    process.stdout.write(opts.json ? catalogJson(entries, environment) : renderCatalog(entries, { root: process.getuid?.() === 0, environment }));
    return 0;
  }
  if (cmd === '-V' || cmd === '--version' || cmd === 'version') {
    process.stdout.write(`netdx ${version()}\n`);
    return 0;
  }
  const entry = findTool(cmd);
  if (!entry) throw new NetdxError('E_USAGE', `running netdx: unknown command '${cmd}' (netdx --help lists them)`);
  const tool = await entry.load();
  if (rest.includes('-h') || rest.includes('--help')) {
    process.stdout.write(toolHelp(tool));
    return 0;
  }
  const opts = parseArgs(tool.options, rest, tool.name, tool.args !== undefined);
  if (tool.root) {
    // by capability, not by uid: root in a container may lack CAP_BPF, and a capable user may not be root
    const missing = missingBpfCaps();
    if (missing.length) throw new NetdxError('E_PERMISSION', `starting ${tool.name}: ${bpfPrivilegeHint(missing)}`);
  }
  const ac = new AbortController();
  running = ac;
  const ctx: RunContext = { out: process.stdout, err: process.stderr, signal: ac.signal };
  try {
    return await tool.run(opts, ctx);
  } finally {
    running = undefined;
  }
}

/** The tool being run: the first Ctrl-C (or SIGTERM, SIGHUP) asks it to stop and print its summary. */
let running: AbortController | undefined;

// The process belongs to the CLI (never to the library): closers run on every exit path.
installProcessCleanup({
  onSignal: () => {
    if (!running || running.signal.aborted) return false; // a second signal ends the process
    running.abort();
    return true;
  },
  report: (err) => {
    process.stderr.write(`netdx: ${formatError(err)}\n`);
    if (process.env.NETDX_DEBUG && err instanceof Error) process.stderr.write(`${err.stack}\n`);
  },
});

// stdout closed early (netdx ... | head) is a normal end, not an error.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') { runCleanup(); process.exit(0); }
});

main(process.argv.slice(2)).then(
  (code) => { runCleanup(); process.exitCode = code; },
  (err) => {
    runCleanup();
    process.stderr.write(`netdx: ${formatError(err)}\n`);
    if (process.env.NETDX_DEBUG && err instanceof Error) process.stderr.write(`${err.stack}\n`);
    process.exitCode = exitCodeFor(err);
  },
);
