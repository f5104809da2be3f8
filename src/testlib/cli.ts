// Runs the built CLI (dist/netdx.cjs, the bundle that ./netdx runs; not the launcher itself, which
// rebuilds when sources changed): inside a test's namespace, returning exit code, stdout and stderr
// without throwing; or a tracing tool in the background.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import assert from 'node:assert/strict';
import { createInterface } from 'node:readline';
import { track, type Netns } from './kernel.js';

export const CLI_MAIN = new URL('../netdx.cjs', import.meta.url).pathname;

export function runCli(ns: Netns, args: readonly string[]): { code: number; out: string; err: string } {
  try {
    return { code: 0, out: ns.exec(process.execPath, [CLI_MAIN, ...args]), err: '' };
  } catch (e) {
    const x = e as { status: number | null; stdout?: string; stderr?: string };
    return { code: x.status ?? -1, out: x.stdout ?? '', err: (x.stderr ?? '').trimEnd() };
  }
}

export interface TracingCli {
  cp: ChildProcess;
  /** stdout and stderr lines so far. */
  out: string[];
  err: string[];
  exit: Promise<number | null>;
}

/** Starts `netdx TOOL ARGS` (a tracing tool, killed at test end); resolves once it printed "Tracing". */
export async function startTracing(tool: string, args: readonly string[]): Promise<TracingCli> {
  const cp = track(spawn(process.execPath, [CLI_MAIN, tool, ...args], { stdio: ['ignore', 'pipe', 'pipe'] }));
  const out: string[] = [];
  const err: string[] = [];
  const exit = new Promise<number | null>((r) => cp.on('exit', (c) => r(c)));
  createInterface({ input: cp.stdout! }).on('line', (l) => out.push(l));
  await new Promise<void>((resolve, reject) => {
    createInterface({ input: cp.stderr! }).on('line', (l) => { err.push(l); if (l.startsWith('Tracing')) resolve(); });
    cp.on('exit', (c) => reject(new Error(`netdx ${tool} exited (${c}) before tracing: ${err.join(' | ')}`)));
  });
  return { cp, out, err, exit };
}

/** Each of `cases` (argument lists) makes `netdx TOOL` exit 1 with one line on stderr ("netdx: ..."), and nothing on stdout. */
export function assertUsageErrors(tool: string, cases: ReadonlyArray<readonly string[]>): void {
  for (const args of cases) {
    const r = spawnSync(process.execPath, [CLI_MAIN, tool, ...args], { encoding: 'utf8', timeout: 20_000 });
    assert.equal(r.status, 1, `${tool} ${args.join(' ')}: exit 1 (${r.stderr})`);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, /^netdx: /);
    assert.equal(r.stdout, '', `${tool} ${args.join(' ')}: nothing on stdout`);
  }
}
/** Each of `argsList` given to `netdx TOOL` (in `ns`) is bad input: exit 1, one line on stderr. */
export function assertBadInput(ns: Netns, tool: string, argsList: ReadonlyArray<readonly string[]>): void {
  for (const args of argsList) {
    const r = runCli(ns, [tool, ...args]);
    if (r.code !== 1 || r.err.split('\n').length !== 1 || !r.err) {
      throw new Error(`netdx ${tool} ${args.join(' ')}: exit ${r.code}, want 1 and one line on stderr: ${r.err}`);
    }
  }
}

/** Runs `netdx TOOL ARGS` (a tracing tool with -d) to its end, `during` once it traces; its stdout lines. */
export async function traceDuring(tool: string, args: readonly string[], during: () => unknown): Promise<string[]> {
  const t = await startTracing(tool, args);
  await during();
  const code = await t.exit;
  if (code !== 0) throw new Error(`netdx ${tool} ${args.join(' ')}: exit ${code}: ${t.err.join(' | ')}`);
  return t.out;
}
