// Runs the built CLI (dist/netdx.cjs, the bundle that ./netdx runs; not the launcher itself, which
// rebuilds when sources changed) inside a test's namespace, returning exit code, stdout and stderr without throwing.
import type { Netns } from './kernel.js';

export const CLI_MAIN = new URL('../netdx.cjs', import.meta.url).pathname;

export function runCli(ns: Netns, args: readonly string[]): { code: number; out: string; err: string } {
  try {
    return { code: 0, out: ns.exec(process.execPath, [CLI_MAIN, ...args]), err: '' };
  } catch (e) {
    const x = e as { status: number | null; stdout?: string; stderr?: string };
    return { code: x.status ?? -1, out: x.stdout ?? '', err: (x.stderr ?? '').trimEnd() };
  }
}
