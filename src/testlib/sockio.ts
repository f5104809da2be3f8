// test/sockio.py, the socket calls with known answers of the socket I/O tools' tests (socketio,
// tcptop, socksize, sockstat), run to its end inside a test's namespace.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { after } from 'node:test';
import { runCli, startTracing } from './cli.js';
import { bpfProgIds, Netns, progsLeft, REPO_ROOT, PYTHON, track } from './kernel.js';
import { netnsInode } from '../core/kit/filter.js';
import type { IntervalProbe } from '../core/kit/interval.js';
import type { LoadOptions } from '../core/kit/load.js';
import type { SockioVia } from '../core/kit/sockio.js';

export interface SockioDone { event: 'done'; pid: number; client_port?: number; server_port?: number }

/** Runs `test/sockio.py ARGS` in `ns` and returns its "done" line. */
export function sockio(ns: Netns, ...args: string[]): SockioDone {
  return JSON.parse(ns.exec(PYTHON, [`${REPO_ROOT}test/sockio.py`, ...args])) as SockioDone;
}

/**
 * test/sockio.py ARGS in `ns`, started but held before its first call until go(): its PID is
 * known before it does anything (`ip netns exec` and `sh -c exec` keep the PID), so a probe can
 * be filtered on it, or it can be moved into a cgroup (`cgroup`: a cgroup v2 directory).
 */
export function heldSockio(ns: Netns, args: readonly string[], cgroup?: string): { pid: number; go: () => Promise<SockioDone> } {
  const cp = track(spawn('ip', ['netns', 'exec', ns.name, 'sh', '-c', 'read go; exec "$@"', 'sh', PYTHON, `${REPO_ROOT}test/sockio.py`, ...args],
    { stdio: ['pipe', 'pipe', 'inherit'] }));
  if (cgroup) writeFileSync(`${cgroup}/cgroup.procs`, String(cp.pid));
  let out = '';
  cp.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
  return {
    pid: cp.pid!,
    go: async () => {
      cp.stdin!.end('go\n');
      const [code] = await once(cp, 'exit') as [number | null];
      assert.equal(code, 0, `sockio.py ${args.join(' ')} exited ${code}`);
      return JSON.parse(out) as SockioDone;
    },
  };
}

/** A cgroup v2 directory made for this test file (removed at its end, once its processes left). */
export function testCgroup(): string {
  const root = readFileSync('/proc/mounts', 'utf8').split('\n').map((l) => l.split(' ')).find((f) => f[2] === 'cgroup2')?.[1];
  if (!root) throw new Error('no cgroup v2 mount in /proc/mounts');
  const dir = `${root}/netdx-test-${process.pid}`;
  mkdirSync(dir);
  after(() => { try { rmdirSync(dir); } catch { /* a process is still in it: removed by its exit */ } });
  return dir;
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
