// Kernel tests for soprotocol: known connects and accepts (test/sockio.py connects) over TCP and
// UDP on IPv4 and IPv6 and over unix stream sockets, some refused, in a namespace the test makes;
// the probe is filtered to that namespace, so each (process, call, protocol) count must be exact.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kernelOpts, Netns } from '../../testlib/kernel.js';
import { startTracing } from '../../testlib/cli.js';
import { assertUsageErrors, jsonIntervals, sockio } from '../../testlib/sockio.js';
import { netnsInode } from '../../core/kit/filter.js';
import { startSoprotocol, type SoProtocolStat } from './lib.js';

/** Over 127.0.0.1: 3 accepted TCP connects, 2 refused, 2 UDP connects, and 2 accepted unix
 * stream connects; over ::1 in another process: 4 accepted TCP connects and 3 UDP connects. */
function traffic(ns: Netns): SoProtocolStat[] {
  const v4 = sockio(ns, 'connects', '--host', '127.0.0.1', '--n', '3', '--refused', '2', '--udp', '2', '--unix', '2').pid;
  const v6 = sockio(ns, 'connects', '--host', '::1', '--n', '4', '--udp', '3').pid;
  const row = (pid: number, call: 'connect' | 'accept', protocol: string, ipproto: number, calls: number, failed = 0): SoProtocolStat =>
    ({ pid, comm: 'python3', call, protocol, ipproto, calls, failed });
  return [
    row(v4, 'connect', 'TCP', 6, 3 + 2, 2), row(v4, 'accept', 'TCP', 6, 3), row(v4, 'connect', 'UDP', 17, 2),
    row(v4, 'connect', 'UNIX-STREAM', 0, 2), row(v4, 'accept', 'UNIX-STREAM', 0, 2),
    row(v6, 'connect', 'TCPv6', 6, 4), row(v6, 'accept', 'TCPv6', 6, 4), row(v6, 'connect', 'UDPv6', 17, 3),
  ];
}

const byKey = (a: SoProtocolStat, b: SoProtocolStat) => a.pid - b.pid || a.call.localeCompare(b.call) || a.protocol.localeCompare(b.protocol);

test('exact connects, accepts and failures per process and protocol', kernelOpts(), () => {
  const ns = new Netns('netdxsop');
  const netns = netnsInode(ns.name);
  const all = startSoprotocol({ filter: { netns } });
  const v4 = startSoprotocol({ filter: { netns, family: 4 } });
  try {
    const want = traffic(ns);
    const r = all.sample();
    assert.deepEqual([...r.calls].sort(byKey), [...want].sort(byKey));
    assert.deepEqual(v4.sample().calls.sort(byKey), want.filter((c) => c.protocol === 'TCP' || c.protocol === 'UDP').sort(byKey), '-4');
    assert.deepEqual(all.sample().calls, [], 'the next interval starts empty');
  } finally {
    all.stop();
    v4.stop();
  }
  assert.deepEqual(all.lost(), { full: 0, refused: 0, untracked: 0 });
});

test('CLI: --json -i -c gives interval objects with the exact counts, and leaves no program', kernelOpts(), async () => {
  const ns = new Netns('netdxsop');
  let want: SoProtocolStat[] = [];
  const objs = await jsonIntervals<{ calls: SoProtocolStat[] }>(ns, 'soprotocol', 6, () => { want = traffic(ns); });
  for (const o of objs) assert.deepEqual(Object.keys(o), ['ts', 'interval_s', 'calls']);
  assert.deepEqual(objs.flatMap((o) => o.calls).sort(byKey), want.sort(byKey));
});

test('CLI text: the table within 100 columns', kernelOpts(), async () => {
  const ns = new Netns('netdxsop');
  const r = await startTracing('soprotocol', ['--netns', ns.name, '-d', '1.5']);
  const want = traffic(ns);
  assert.equal(await r.exit, 0, r.err.join('\n'));
  assert.match(r.out[0]!, /^PID +COMM +CALL +PROTOCOL +CALLS +FAILED$/);
  assert.match(r.out[1]!, new RegExp(`^${want[0]!.pid} +python3 +connect +TCP +5 +2$`));
  assert.equal(r.out.length, 1 + want.length + 1, r.out.join('\n'));
  assert.ok(r.out.every((l) => l.length <= 100));
});

test('CLI: bad input is one line and exit 1', kernelOpts(), () => {
  assertUsageErrors(new Netns('netdxsop'), 'soprotocol', [['-c', '2'], ['-4', '-6'], ['-L', '80'], ['--cgroup', 'no/such/cgroup']]);
});
