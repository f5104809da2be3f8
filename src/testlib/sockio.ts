// test/sockio.py, the socket calls with known answers of the socket I/O tools' tests (socketio,
// tcptop, socksize, sockstat), run to its end inside a test's namespace.
import assert from 'node:assert/strict';
import { runCli, startTracing } from './cli.js';
import { bpfProgIds, Netns, progsLeft, REPO_ROOT, PYTHON } from './kernel.js';
import { netnsInode } from '../core/kit/filter.js';
import type { IntervalProbe } from '../core/kit/interval.js';
import type { LoadOptions } from '../core/kit/load.js';
import type { SockioVia } from '../core/kit/sockio.js';

export interface SockioDone { event: 'done'; pid: number; client_port?: number; server_port?: number }

/** Runs `test/sockio.py ARGS` in `ns` and returns its "done" line. */
export function sockio(ns: Netns, ...args: string[]): SockioDone {
  return JSON.parse(ns.exec(PYTHON, [`${REPO_ROOT}test/sockio.py`, ...args])) as SockioDone;
}

/** Each of `cases` (arguments of `netdx TOOL`, run in `ns`) is bad input: one line on stderr, exit 1. */
export function assertUsageErrors(ns: Netns, tool: string, cases: readonly string[][]): void {
  for (const args of cases) {
    const r = runCli(ns, [tool, ...args]);
    assert.equal(r.code, 1, `${args.join(' ')} exits 1`);
    assert.match(r.err, /^netdx: [^\n]+$/, `${args.join(' ')}: one line`);
    assert.equal(r.out, '');
  }
}

/**
 * Runs `netdx TOOL --netns NS -i 1.5 -c 2 --json ARGS`, with `traffic` once it traces; checks it
 * exits 0 after two interval objects, that `programs` programs named TOOL_* were loaded while it
 * traced and that none is left after; returns the objects.
 */
export async function jsonIntervals<T>(ns: Netns, tool: string, programs: number, traffic: () => void, args: readonly string[] = []): Promise<T[]> {
  const mine = (before: Set<number>) => [...bpfProgIds((n) => n.startsWith(`${tool}_`))].filter((id) => !before.has(id));
  const before = bpfProgIds(() => true);
  const r = await startTracing(tool, ['--netns', ns.name, '-i', '1.5', '-c', '2', '--json', ...args]);
  const loaded = mine(before);
  traffic();
  assert.equal(await r.exit, 0, r.err.join('\n'));
  assert.equal(r.out.length, 2, r.out.join('\n'));
  assert.equal(loaded.length, programs, `its ${programs} programs were loaded while it traced`);
  assert.deepEqual(await progsLeft(loaded), [], 'none left after exit');
  return r.out.map((l) => JSON.parse(l) as T);
}

/**
 * One interval of a probe attached by `via` and filtered to a namespace made for it, around
 * `traffic` in that namespace: returns the report and what `traffic` returned, once the next
 * interval was found `empty`, the probe stopped and nothing lost.
 */
export function viaInterval<R, T, O>(via: SockioVia, start: (o: LoadOptions<O> & { via: SockioVia }) => IntervalProbe<R, O>,
  traffic: (ns: Netns) => T, empty: (r: R) => boolean): { r: R; t: T } {
  const ns = new Netns('netdxsio');
  const probe = start({ via, filter: { netns: netnsInode(ns.name) } });
  assert.equal(probe.via, via);
  try {
    probe.sample();
    const t = traffic(ns);
    const r = probe.sample();
    assert.ok(empty(probe.sample()), 'the next interval starts empty');
    return { r, t };
  } finally {
    probe.stop();
    assert.deepEqual(probe.lost(), { full: 0, refused: 0, untracked: 0 });
  }
}
