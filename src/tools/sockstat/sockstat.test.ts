// Kernel tests for sockstat: known numbers of each socket call (test/sockio.py) in a namespace the
// test makes, plus unix-socket calls that must not count; the probe is filtered to that namespace,
// so every kind's count must be exact.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kernelOpts, Netns, PYTHON } from '../../testlib/kernel.js';
import { startTracing } from '../../testlib/cli.js';
import { assertUsageErrors, jsonIntervals, sockio, viaInterval } from '../../testlib/sockio.js';
import { netnsInode } from '../../core/kit/filter.js';
import { SOCKIO_VIAS } from '../../core/kit/sockio.js';
import { KINDS, startSockstat, type SockCallKind, type SockstatReport } from './lib.js';

type Counts = Record<SockCallKind, number>;

/**
 * 5 x (listener: socket, bind, listen; client: socket, connect; accept) over 127.0.0.1; one TCP
 * connection the same way with 3 + 2 sends and 3 + 2 receives and one failed receive (EAGAIN);
 * UDP over ::1: 2 sockets, 1 bind, 3 datagrams sent and received; and the same calls on unix
 * sockets, which do not count. Returns the PIDs of the inet runs.
 */
function traffic(ns: Netns): number[] {
  const pids = [
    sockio(ns, 'calls', '--host', '127.0.0.1', '--n', '5').pid,
    sockio(ns, 'tcp', '--host', '127.0.0.1', '--send', '100x3', '--reply', '10x2', '--eagain', '1').pid,
    sockio(ns, 'udp', '--host', '::1', '--send', '10x3').pid,
  ];
  ns.exec(PYTHON, ['-c', `
import socket
l = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM); l.bind('\\0netdx-sockstat-test'); l.listen(1)
c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM); c.connect('\\0netdx-sockstat-test')
s, _ = l.accept(); c.send(b'x'); s.recv(1)`]);
  return pids;
}
const ALL: Counts = { socket: 10 + 2 + 2, bind: 5 + 1 + 1, listen: 5 + 1, connect: 5 + 1, accept: 5 + 1, send: 5 + 3, recv: 6 + 3 };
const UDP6: Counts = { socket: 2, bind: 1, listen: 0, connect: 0, accept: 0, send: 3, recv: 3 };

const counts = (r: SockstatReport): Counts => Object.fromEntries(r.kinds.map((k) => [k.kind, k.calls])) as Counts;

for (const via of SOCKIO_VIAS) {
  test(`exact counts of each kind of socket call (${via})`, kernelOpts(), () => {
    const { r, t: _pids } = viaInterval(via, startSockstat, (ns) => traffic(ns), (x) => x.kinds.every((k) => k.calls === 0));
    assert.deepEqual(r.kinds.map((k) => k.kind), [...KINDS]);
    assert.deepEqual(counts(r), ALL);
    for (const k of r.kinds) assert.ok(Math.abs(k.per_s - k.calls / r.seconds) < 0.06, `${k.kind}: ${k.per_s}/s`);
  });
}

test('filters in the kernel: -6 keeps the UDP run over ::1, -p one process', kernelOpts(), () => {
  const ns = new Netns('netdxsst');
  const netns = netnsInode(ns.name);
  const v6 = startSockstat({ filter: { netns, family: 6 } });
  const self = startSockstat({ filter: { netns, pid: process.pid } });
  try {
    traffic(ns);
    assert.deepEqual(counts(v6.sample()), UDP6);
    assert.ok(self.sample().kinds.every((k) => k.calls === 0), 'this test process made no socket call in the namespace');
  } finally {
    v6.stop();
    self.stop();
  }
});

test('CLI: --json -i -c gives interval objects with the exact counts, and leaves no program', kernelOpts(), async () => {
  const ns = new Netns('netdxsst');
  const objs = await jsonIntervals<SockstatReport>(ns, 'sockstat', 8, () => traffic(ns));
  for (const o of objs) assert.deepEqual(Object.keys(o), ['ts', 'interval_s', 'kinds']);
  const sum = Object.fromEntries(KINDS.map((k) => [k, objs.reduce((n, o) => n + o.kinds.find((x) => x.kind === k)!.calls, 0)]));
  assert.deepEqual(sum, ALL);
});

test('CLI text: one row per kind within 100 columns', kernelOpts(), async () => {
  const ns = new Netns('netdxsst');
  const r = await startTracing('sockstat', ['--netns', ns.name, '-d', '1.5']);
  traffic(ns);
  assert.equal(await r.exit, 0, r.err.join('\n'));
  assert.match(r.out[0]!, /^CALL +COUNT +PER_S$/);
  assert.deepEqual(r.out.slice(1, 8).map((l) => l.split(/ +/).slice(0, 2)), KINDS.map((k) => [k, String(ALL[k])]));
  assert.ok(r.out.every((l) => l.length <= 100));
});

test('CLI: bad input is one line and exit 1', kernelOpts(), () => {
  assertUsageErrors(new Netns('netdxsst'), 'sockstat', [['-c', '2'], ['-4', '-6'], ['-L', '80'], ['-p', '0'], ['--netns', 'no-such-netns-here']]);
});
