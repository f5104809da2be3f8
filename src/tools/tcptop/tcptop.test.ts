// Kernel tests for tcptop: two TCP connections with known byte counts in each direction
// (test/sockio.py: one over 127.0.0.1, one over ::1) in a namespace the test makes; the probe is
// filtered to that namespace, so the flows must be exactly those four connection ends.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kernelOpts, Netns } from '../../testlib/kernel.js';
import { startTracing } from '../../testlib/cli.js';
import { assertUsageErrors, jsonIntervals, sockio, viaInterval, type SockioDone } from '../../testlib/sockio.js';
import { netnsInode } from '../../core/kit/filter.js';
import { startTcptop, type TcpFlow } from './lib.js';
import { SOCKIO_VIAS } from '../../core/kit/sockio.js';

const A = ['tcp', '--host', '127.0.0.1', '--port', '5001', '--send', '65536x16', '--reply', '1000x5'];
const B = ['tcp', '--host', '::1', '--port', '5002', '--send', '100000x3', '--reply', '200000x2'];
const A_UP = 16 * 65536, A_DOWN = 5 * 1000, B_UP = 3 * 100000, B_DOWN = 2 * 200000;

/** Both ends of both connections: the client sent the "up" bytes, the server the "down" bytes. */
function expected(a: SockioDone, b: SockioDone): TcpFlow[] {
  const ends = (d: SockioDone, family: 4 | 6, addr: string, up: number, down: number): TcpFlow[] => [
    { pid: d.pid, comm: 'python3', family, laddr: addr, lport: d.client_port!, raddr: addr, rport: d.server_port!, rx_bytes: down, tx_bytes: up },
    { pid: d.pid, comm: 'python3', family, laddr: addr, lport: d.server_port!, raddr: addr, rport: d.client_port!, rx_bytes: up, tx_bytes: down },
  ];
  return [...ends(a, 4, '127.0.0.1', A_UP, A_DOWN), ...ends(b, 6, '::1', B_UP, B_DOWN)];
}

const byPort = (x: TcpFlow, y: TcpFlow) => x.lport - y.lport;

for (const via of SOCKIO_VIAS) {
  test(`two flows: exact bytes each way per connection end, largest first (${via})`, kernelOpts(), () => {
    const { r, t: want } = viaInterval(via, startTcptop, (ns) => expected(sockio(ns, ...A), sockio(ns, ...B)), (x) => x.flows.length === 0);
    assert.deepEqual([...r.flows].sort(byPort), [...want].sort(byPort));
    const totals = r.flows.map((f) => f.rx_bytes + f.tx_bytes);
    assert.deepEqual(totals, [A_UP + A_DOWN, A_UP + A_DOWN, B_UP + B_DOWN, B_UP + B_DOWN], 'sorted by sent + received');
    assert.deepEqual([r.more, r.rx_bytes, r.tx_bytes], [0, A_UP + A_DOWN + B_UP + B_DOWN, A_UP + A_DOWN + B_UP + B_DOWN]);
  });
}

test('--sort sent, --rows 2: the two largest senders; totals count every flow; -D filters', kernelOpts(), () => {
  const ns = new Netns('netdxtop');
  const netns = netnsInode(ns.name);
  const top = startTcptop({ filter: { netns }, options: { sort: 'sent', rows: 2 } });
  const toServerB = startTcptop({ filter: { netns, rports: [5002] } });
  try {
    const want = expected(sockio(ns, ...A), sockio(ns, ...B));
    const r = top.sample();
    // senders: A's client (16 x 64 KiB), B's server (2 x 200,000); then B's client, A's server
    assert.deepEqual(r.flows, [want[0], want[3]]);
    assert.equal(r.more, 2);
    assert.deepEqual([r.rx_bytes, r.tx_bytes], [A_UP + A_DOWN + B_UP + B_DOWN, A_UP + A_DOWN + B_UP + B_DOWN]);
    assert.deepEqual(toServerB.sample().flows, [want[2]], 'only the end whose remote port is 5002');
  } finally {
    top.stop();
    toServerB.stop();
  }
  assert.throws(() => startTcptop({ options: { sort: 'bytes' } }), { code: 'E_USAGE', message: /^parsing --sort: 'bytes' is not one of all, sent, received$/ });
  assert.throws(() => startTcptop({ options: { rows: 0 } }), { code: 'E_USAGE', message: /^parsing --rows: / });
});

test('CLI: --json -i -c gives interval objects with the exact flows, and leaves no program', kernelOpts(), async () => {
  const ns = new Netns('netdxtop');
  let want: TcpFlow[] = [];
  const objs = await jsonIntervals<{ flows: TcpFlow[] }>(ns, 'tcptop', 2, () => { want = expected(sockio(ns, ...A), sockio(ns, ...B)); });
  for (const o of objs) assert.deepEqual(Object.keys(o), ['ts', 'interval_s', 'flows', 'more', 'rx_bytes', 'tx_bytes']);
  assert.deepEqual(objs.flatMap((o) => o.flows).sort(byPort), want.sort(byPort));
});

test('CLI text: the totals line and the table within 100 columns, -w too', kernelOpts(), async () => {
  const ns = new Netns('netdxtop');
  for (const wide of [false, true]) {
    const r = await startTracing('tcptop', ['--netns', ns.name, '-d', '1.5', ...(wide ? ['-w'] : [])]);
    const a = sockio(ns, ...A);
    assert.equal(await r.exit, 0, r.err.join('\n'));
    assert.equal(r.out[0], `TCP: ${(A_UP + A_DOWN) >> 10} KB received, ${(A_UP + A_DOWN) >> 10} KB sent in ${r.out[0]!.match(/in ([\d.]+) s$/)?.[1]} s`);
    assert.match(r.out[1]!, /^PID +COMM +LADDR +LPORT +RADDR +RPORT +RX_KB +TX_KB$/);
    // a tie (both ends moved the same bytes): the lower local port first, the server's
    assert.match(r.out[2]!, new RegExp(`^${a.pid} +python3 +127\\.0\\.0\\.1 +5001 +127\\.0\\.0\\.1 +${a.client_port} +1024 +4$`));
    assert.match(r.out[3]!, new RegExp(`^${a.pid} +python3 +127\\.0\\.0\\.1 +${a.client_port} +127\\.0\\.0\\.1 +5001 +4 +1024$`));
    assert.equal(r.out.length, 5, r.out.join('\n'));
    assert.ok(r.out.every((l) => l.length <= 100));
  }
});

test('CLI: bad input is one line and exit 1', kernelOpts(), () => {
  assertUsageErrors(new Netns('netdxtcpt'), 'tcptop', [['-S', 'bytes'], ['-r', '0'], ['-c', '2'], ['-4', '-6'], ['--netns', 'no-such-netns-here']]);
});
