// Kernel tests for socketio: known sends and receives (test/sockio.py) in a namespace the test
// makes, on TCP over 127.0.0.1 and UDP over ::1; the probe is filtered to that namespace, so each
// row must be exactly what the script did.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kernelOpts, Netns } from '../../testlib/kernel.js';
import { startTracing } from '../../testlib/cli.js';
import { assertUsageErrors, heldSockio, jsonIntervals, sockio, testCgroup, viaInterval, type SockioDone } from '../../testlib/sockio.js';
import { cgroupId, netnsInode } from '../../core/kit/filter.js';
import { startSocketio, type SocketIoStat } from './lib.js';
import { SOCKIO_VIAS } from '../../core/kit/sockio.js';

/** The rows one run of `tcp` and one of `udp` must give, by what they printed. */
function expected(tcp: { pid: number; client_port?: number; server_port?: number }, udp: typeof tcp): SocketIoStat[] {
  const row = (pid: number, dir: 'send' | 'recv', protocol: string, lport: number, rport: number, calls: number, bytes: number, errors = 0): SocketIoStat =>
    ({ pid, comm: 'python3', dir, protocol, lport, rport, calls, bytes, errors });
  const c = tcp.client_port!, s = tcp.server_port!;
  return [
    row(tcp.pid, 'send', 'TCP', c, s, 4, 3 * 100 + 70000),
    row(tcp.pid, 'recv', 'TCP', s, c, 4, 3 * 100 + 70000),
    row(tcp.pid, 'send', 'TCP', s, c, 2, 2 * 5000),
    // two replies, then two non-blocking recv() calls on an empty queue: EAGAIN
    row(tcp.pid, 'recv', 'TCP', c, s, 4, 2 * 5000, 2),
    row(udp.pid, 'send', 'UDP', udp.client_port!, 0, 3, 2 * 10 + 1500),
    row(udp.pid, 'recv', 'UDP', udp.server_port!, 0, 3, 2 * 10 + 1500),
  ];
}

const TCP_ARGS = ['tcp', '--host', '127.0.0.1', '--port', '5000', '--send', '100x3,70000', '--reply', '5000x2', '--eagain', '2'];
const UDP_ARGS = ['udp', '--host', '::1', '--send', '10x2,1500'];
const byKey = (a: SocketIoStat, b: SocketIoStat) => a.pid - b.pid || a.protocol.localeCompare(b.protocol) || a.dir.localeCompare(b.dir) || a.lport - b.lport;

for (const via of SOCKIO_VIAS) {
  test(`exact calls, bytes and errors per direction, protocol and port (${via})`, kernelOpts(), () => {
    const { r, t: [tcp, udp] } = viaInterval(via, startSocketio, (ns) => [sockio(ns, ...TCP_ARGS), sockio(ns, ...UDP_ARGS)] as const, (x) => x.io.length === 0);
    assert.deepEqual([...r.io].sort(byKey), expected(tcp, udp).sort(byKey));
    assert.deepEqual(r.io.map((s) => s.bytes), [...r.io.map((s) => s.bytes)].sort((x, y) => y - x), 'most bytes first');
  });
}

test('filters in the kernel: -L (the server side), -6 (the UDP rows), -p', kernelOpts(), () => {
  const ns = new Netns('netdxsio');
  const netns = netnsInode(ns.name);
  const lport = startSocketio({ filter: { netns, lports: [5000] } });
  const v6 = startSocketio({ filter: { netns, family: 6 } });
  const pid = startSocketio({ filter: { netns, pid: process.pid } });
  try {
    const tcp = sockio(ns, ...TCP_ARGS);
    const udp = sockio(ns, ...UDP_ARGS);
    const all = expected(tcp, udp);
    assert.deepEqual(lport.sample().io.sort(byKey), all.filter((s) => s.protocol === 'TCP' && s.lport === 5000).sort(byKey));
    assert.deepEqual(v6.sample().io.sort(byKey), all.filter((s) => s.protocol === 'UDP').sort(byKey));
    assert.deepEqual(pid.sample().io, [], 'this test process did no socket I/O in the namespace');
  } finally {
    for (const p of [lport, v6, pid]) p.stop();
  }
});

test('filters in the kernel: -p and --cgroup name one of two processes running at once', kernelOpts(), async () => {
  const ns = new Netns('netdxsio');
  const netns = netnsInode(ns.name);
  const cg = testCgroup();
  const tcp = heldSockio(ns, TCP_ARGS);
  const udp = heldSockio(ns, UDP_ARGS, cg);
  const byPid = startSocketio({ filter: { netns, pid: tcp.pid } });
  const byCgroup = startSocketio({ filter: { netns, cgroup: cgroupId(cg) } });
  try {
    const [t, u] = await Promise.all([tcp.go(), udp.go()]);
    assert.deepEqual([t.pid, u.pid], [tcp.pid, udp.pid]);
    const all = expected(t, u);
    assert.deepEqual(byPid.sample().io.sort(byKey), all.filter((s) => s.pid === tcp.pid).sort(byKey));
    assert.deepEqual(byCgroup.sample().io.sort(byKey), all.filter((s) => s.pid === udp.pid).sort(byKey));
  } finally {
    for (const p of [byPid, byCgroup]) p.stop();
  }
});

test('CLI: --json --netns -i -c gives interval objects with the exact rows, and leaves no program', kernelOpts(), async () => {
  const ns = new Netns('netdxsio');
  let runs: SockioDone[] = [];
  const objs = await jsonIntervals<{ io: SocketIoStat[] }>(ns, 'socketio', 2, () => { runs = [sockio(ns, ...TCP_ARGS), sockio(ns, ...UDP_ARGS)]; });
  for (const o of objs) assert.deepEqual(Object.keys(o), ['ts', 'interval_s', 'io']);
  assert.deepEqual(objs.flatMap((o) => o.io).sort(byKey), expected(runs[0]!, runs[1]!).sort(byKey));
});

test('CLI text: the table within 100 columns', kernelOpts(), async () => {
  const ns = new Netns('netdxsio');
  const r = await startTracing('socketio', ['--netns', ns.name, '-d', '1.5']);
  const tcp = sockio(ns, ...TCP_ARGS);
  assert.equal(await r.exit, 0, r.err.join('\n'));
  assert.match(r.out[0]!, /^PID +COMM +DIR +PROTO +LPORT +RPORT +CALLS +BYTES +AVG +ERRORS$/);
  assert.ok(r.out.some((l) => new RegExp(`^${tcp.pid} +python3 +recv +TCP +${tcp.client_port} +${tcp.server_port} +4 +10000 +2500 +2$`).test(l)), r.out.join('\n'));
  assert.equal(r.out.length, 5, r.out.join('\n'));
  assert.ok(r.out.every((l) => l.length <= 100));
});

test('CLI: bad input is one line and exit 1', kernelOpts(), () => {
  assertUsageErrors(new Netns('netdxsock'), 'socketio', [['-c', '2'], ['-4', '-6'], ['-p', '0'], ['--netns', 'no-such-netns-here'], ['-L', '70000']]);
});
