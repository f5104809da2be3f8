// Kernel tests for socksize: sends and receives of known sizes (test/sockio.py, each one system
// call) in a namespace the test makes; the probe is filtered to that namespace, so every
// histogram bucket must hold exactly the calls of its sizes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kernelOpts, Netns } from '../../testlib/kernel.js';
import { startTracing } from '../../testlib/cli.js';
import { assertUsageErrors, jsonIntervals, sockio, viaInterval, type SockioDone } from '../../testlib/sockio.js';
import { netnsInode } from '../../core/kit/filter.js';
import { startSocksize, type SockSizeStat } from './lib.js';
import { SOCKIO_VIAS } from '../../core/kit/sockio.js';

// TCP: the client sends 1 B twice, 100 B three times, 1000 B four times and 64 KiB once; the
// server replies 3 B five times (both ends in one process, so send and receive each see all 15);
// then 2 receives fail (EAGAIN) and are not sizes. UDP: two empty datagrams and ten of 512 B.
const TCP = ['tcp', '--host', '127.0.0.1', '--send', '1x2,100x3,1000x4,65536', '--reply', '3x5', '--eagain', '2'];
const UDP = ['udp', '--host', '::1', '--send', '0x2,512x10'];
const TCP_BUCKETS = [
  { low: 0, high: 1, count: 2 }, { low: 2, high: 3, count: 5 }, ...[4, 8, 16, 32].map((low) => ({ low, high: 2 * low - 1, count: 0 })),
  { low: 64, high: 127, count: 3 }, { low: 128, high: 255, count: 0 }, { low: 256, high: 511, count: 0 }, { low: 512, high: 1023, count: 4 },
  ...[1024, 2048, 4096, 8192, 16384, 32768].map((low) => ({ low, high: 2 * low - 1, count: 0 })), { low: 65536, high: 131071, count: 1 },
];
const UDP_BUCKETS = [{ low: 0, high: 1, count: 2 }, ...[2, 4, 8, 16, 32, 64, 128, 256].map((low) => ({ low, high: 2 * low - 1, count: 0 })), { low: 512, high: 1023, count: 10 }];

function expected(tcp: SockioDone, udp: SockioDone): SockSizeStat[] {
  const tcpBytes = 2 * 1 + 3 * 100 + 4 * 1000 + 65536 + 5 * 3;
  return (['send', 'recv'] as const).flatMap((dir) => [
    { pid: tcp.pid, comm: 'python3', dir, calls: 15, bytes: tcpBytes, hist: { unit: 'bytes', buckets: TCP_BUCKETS } },
    { pid: udp.pid, comm: 'python3', dir, calls: 12, bytes: 5120, hist: { unit: 'bytes', buckets: UDP_BUCKETS } },
  ]);
}

const byKey = (a: SockSizeStat, b: SockSizeStat) => a.pid - b.pid || a.dir.localeCompare(b.dir);

for (const via of SOCKIO_VIAS) {
  test(`known sizes land in exact log2 buckets per process and direction (${via})`, kernelOpts(), () => {
    const { r, t: want } = viaInterval(via, startSocksize, (ns) => expected(sockio(ns, ...TCP), sockio(ns, ...UDP)), (x) => x.sizes.length === 0);
    assert.deepEqual([...r.sizes].sort(byKey), want.sort(byKey));
  });
}

test('-4 keeps the TCP process, -L the UDP receiver', kernelOpts(), () => {
  const ns = new Netns('netdxssz');
  const netns = netnsInode(ns.name);
  const v4 = startSocksize({ filter: { netns, family: 4 } });
  const port = startSocksize({ filter: { netns, lports: [5353] } });
  try {
    const tcp = sockio(ns, ...TCP);
    const udp = sockio(ns, ...UDP, '--port', '5353');
    const want = expected(tcp, udp);
    assert.deepEqual(v4.sample().sizes.sort(byKey), want.filter((s) => s.pid === tcp.pid).sort(byKey));
    assert.deepEqual(port.sample().sizes, want.filter((s) => s.pid === udp.pid && s.dir === 'recv'));
  } finally {
    v4.stop();
    port.stop();
  }
});

test('CLI: --json -i -c gives interval objects with the histograms, and leaves no program', kernelOpts(), async () => {
  const ns = new Netns('netdxssz');
  let want: SockSizeStat[] = [];
  const objs = await jsonIntervals<{ sizes: SockSizeStat[] }>(ns, 'socksize', 2, () => { want = expected(sockio(ns, ...TCP), sockio(ns, ...UDP)); });
  for (const o of objs) assert.deepEqual(Object.keys(o), ['ts', 'interval_s', 'sizes']);
  assert.deepEqual(objs.flatMap((o) => o.sizes).sort(byKey), want.sort(byKey));
});

test('CLI text: the table, then BCC-style histograms within 100 columns; --summary: the table', kernelOpts(), async () => {
  const ns = new Netns('netdxssz');
  for (const summary of [false, true]) {
    const r = await startTracing('socksize', ['--netns', ns.name, '-d', '1.5', ...(summary ? ['--summary'] : [])]);
    const udp = sockio(ns, ...UDP);
    assert.equal(await r.exit, 0, r.err.join('\n'));
    assert.match(r.out[0]!, /^PID +COMM +DIR +CALLS +BYTES +AVG$/);
    assert.match(r.out[1]!, new RegExp(`^${udp.pid} +python3 +recv +12 +5120 +427$`));
    assert.equal(r.out.includes(`pid = ${udp.pid}, comm = python3, send`), !summary, r.out.join('\n'));
    if (!summary) assert.ok(r.out.includes('       512 -> 1023       : 10       |****************************************|'), r.out.join('\n'));
    assert.ok(r.out.every((l) => l.length <= 100));
  }
});

test('CLI: bad input is one line and exit 1', kernelOpts(), () => {
  assertUsageErrors(new Netns('netdxssz'), 'socksize', [['-c', '2'], ['-i', '0'], ['-4', '-6'], ['-D', '1,2,3,4,5,6,7,8,9'], ['--cgroup', 'no/such/cgroup']]);
});
