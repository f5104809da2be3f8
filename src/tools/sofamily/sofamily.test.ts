// Kernel tests for sofamily: known connects and accepts (test/sockio.py connects) over IPv4, IPv6
// and unix sockets, some refused, in a namespace the test makes; the probe is filtered to that
// namespace, so each (process, call, family) count must be exact.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kernelOpts, Netns } from '../../testlib/kernel.js';
import { startTracing } from '../../testlib/cli.js';
import { assertUsageErrors, jsonIntervals, sockio } from '../../testlib/sockio.js';
import { netnsInode } from '../../core/kit/filter.js';
import { startSofamily, type SoFamilyStat } from './lib.js';

/** 3 accepted TCP connects, 2 refused and 2 UDP connects over 127.0.0.1 with 2 unix connects,
 * accepted; then 4 accepted TCP connects over ::1 in another process. */
function traffic(ns: Netns): SoFamilyStat[] {
  const v4 = sockio(ns, 'connects', '--host', '127.0.0.1', '--n', '3', '--refused', '2', '--udp', '2', '--unix', '2').pid;
  const v6 = sockio(ns, 'connects', '--host', '::1', '--n', '4').pid;
  const row = (pid: number, call: 'connect' | 'accept', family: string, calls: number, failed = 0): SoFamilyStat => ({ pid, comm: 'python3', call, family, calls, failed });
  return [
    row(v4, 'connect', 'AF_INET', 3 + 2 + 2, 2), row(v4, 'accept', 'AF_INET', 3),
    row(v4, 'connect', 'AF_UNIX', 2), row(v4, 'accept', 'AF_UNIX', 2),
    row(v6, 'connect', 'AF_INET6', 4), row(v6, 'accept', 'AF_INET6', 4),
  ];
}

const byKey = (a: SoFamilyStat, b: SoFamilyStat) => a.pid - b.pid || a.call.localeCompare(b.call) || a.family.localeCompare(b.family);

test('exact connects, accepts and failures per process and family', kernelOpts(), () => {
  const ns = new Netns('netdxsof');
  const netns = netnsInode(ns.name);
  const all = startSofamily({ filter: { netns } });
  const v6 = startSofamily({ filter: { netns, family: 6 } });
  try {
    const want = traffic(ns);
    const r = all.sample();
    assert.deepEqual([...r.calls].sort(byKey), [...want].sort(byKey));
    assert.deepEqual(r.calls.map((c) => c.calls), [...r.calls.map((c) => c.calls)].sort((x, y) => y - x), 'most calls first');
    assert.deepEqual(v6.sample().calls.sort(byKey), want.filter((c) => c.family === 'AF_INET6').sort(byKey), '-6');
    assert.deepEqual(all.sample().calls, [], 'the next interval starts empty');
  } finally {
    all.stop();
    v6.stop();
  }
  assert.deepEqual(all.lost(), { full: 0, refused: 0, untracked: 0 });
});

test('CLI: --json -i -c gives interval objects with the exact counts, and leaves no program', kernelOpts(), async () => {
  const ns = new Netns('netdxsof');
  let want: SoFamilyStat[] = [];
  const objs = await jsonIntervals<{ calls: SoFamilyStat[] }>(ns, 'sofamily', 6, () => { want = traffic(ns); });
  for (const o of objs) assert.deepEqual(Object.keys(o), ['ts', 'interval_s', 'calls']);
  assert.deepEqual(objs.flatMap((o) => o.calls).sort(byKey), want.sort(byKey));
});

test('CLI text: the table within 100 columns', kernelOpts(), async () => {
  const ns = new Netns('netdxsof');
  const r = await startTracing('sofamily', ['--netns', ns.name, '-d', '1.5']);
  const want = traffic(ns);
  assert.equal(await r.exit, 0, r.err.join('\n'));
  assert.match(r.out[0]!, /^PID +COMM +CALL +FAMILY +CALLS +FAILED$/);
  assert.match(r.out[1]!, new RegExp(`^${want[0]!.pid} +python3 +connect +AF_INET +7 +2$`));
  assert.equal(r.out.length, 1 + want.length + 1, r.out.join('\n'));
  assert.ok(r.out.every((l) => l.length <= 100));
});

test('CLI: bad input is one line and exit 1', kernelOpts(), () => {
  assertUsageErrors(new Netns('netdxsof'), 'sofamily', [['-c', '2'], ['-4', '-6'], ['-D', '80'], ['-p', '0']]);
});
