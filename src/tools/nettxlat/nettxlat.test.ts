// Kernel tests for nettxlat: N UDP datagrams over a quiet veth pair (IPv6 off, static neighbours:
// nothing else moves) between two namespaces the test makes: exactly N packets timed on the
// sending interface, every one returned NETDEV_TX_OK, in little time; nothing on the other end.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kernelOpts, quietVethPair, type Netns, knowNeighbours } from '../../testlib/kernel.js';
import { assertUsageErrors, traceDuring } from '../../testlib/cli.js';
import { ipJsonStats } from '../../testlib/ip-oracle.js';
import { workload } from '../../testlib/traffic.js';
import { netnsInode } from '../../core/kit/filter.js';
import { DEV_VIAS } from '../../core/kit/dev.js';
import { totalCount } from '../../core/hist.js';
import { startNetTxLat, type NetTxLatReport, type NetTxLatStat } from './lib.js';

const N = 37;

/** N datagrams from a to a listener in b (no ICMP comes back). */
async function send(a: Netns, b: Netns, n = N): Promise<void> {
  const l = workload(b, 'udp-listen', '--host', '198.18.0.2', '--hold', '15000');
  const port = String((await l.wait('listening')).port);
  assert.equal((await workload(a, 'udp-send', '--host', '198.18.0.2', '--port', port, '--count', String(n), '--size', '200').done()).sent, n);
  l.cp.kill();
}

const txPackets = (ns: Netns, dev: string) => ipJsonStats(ns.exec('ip', ['-s', '-j', 'link', 'show', 'dev', dev])).get(dev)!.tx_packets!;

for (const via of DEV_VIAS) {
test(`${N} datagrams: ${N} timed on the sender's veth, all NETDEV_TX_OK, in little time (${via})`, kernelOpts(), async () => {
  const { a, b, ifA } = quietVethPair();
  const pre = txPackets(a, ifA);
  const pa = startNetTxLat({}, { interface: ifA, netns: a.name, via });
  const pb = startNetTxLat({ netns: netnsInode(b.name) }, { via, nanoseconds: true });
  assert.equal(pa.via, via);
  let ra: NetTxLatReport, rb: NetTxLatReport;
  try {
    await send(a, b);
    ra = pa.sample();
    rb = pb.sample();
  } finally {
    pa.stop();
    pb.stop();
  }
  assert.equal(txPackets(a, ifA) - pre, N, 'ip -s link: the device sent exactly the datagrams');
  assert.equal(ra.devices.length, 1, JSON.stringify(ra.devices));
  const d = ra.devices[0]!;
  assert.deepEqual([d.netns, d.dev, d.count, d.ok, d.busy, d.failed], [netnsInode(a.name), ifA, N, N, 0, 0]);
  assert.equal(totalCount(d.hist), N);
  assert.equal(d.hist.unit, 'usecs');
  // a veth's xmit hands the packet to the peer's backlog: microseconds, even on a loaded machine
  assert.ok(d.max_ns > 0 && d.max_ns < 50e6, `max ${d.max_ns} ns`);
  assert.ok(d.total_ns >= d.max_ns && d.total_ns / N < 5e6, `avg ${d.total_ns / N} ns`);
  assert.ok(d.hist.buckets[d.hist.buckets.length - 1]!.high >= Math.floor(d.max_ns / 1000), 'the last bucket holds the max');
  // b received and sent nothing back
  assert.deepEqual(rb.devices, []);
  assert.deepEqual(pa.lost(), { full: 0, refused: 0, untracked: 0 });
});
}

test(`a macvlan over the veth: its driver sends through the veth's, both timed ${N} times, the outer longer`, kernelOpts(), async () => {
  const { a, b, ifA, ifB } = quietVethPair();
  // mv0 198.18.1.1 on vx0, to b's second address 198.18.1.2: no IPv6 on the new device either
  a.exec('sh', ['-c', 'echo 1 > /proc/sys/net/ipv6/conf/default/disable_ipv6']);
  a.exec('ip', ['link', 'add', 'link', ifA, 'name', 'mv0', 'type', 'macvlan', 'mode', 'bridge']);
  a.exec('ip', ['addr', 'add', '198.18.1.1/24', 'dev', 'mv0']);
  a.exec('ip', ['link', 'set', 'mv0', 'up']);
  b.exec('ip', ['addr', 'add', '198.18.1.2/24', 'dev', ifB]);
  knowNeighbours(a, 'mv0', b, ifB, ['198.18.1.2']);
  const p = startNetTxLat({ netns: netnsInode(a.name) });
  let r: NetTxLatReport;
  try {
    const l = workload(b, 'udp-listen', '--host', '198.18.1.2', '--hold', '15000');
    const port = String((await l.wait('listening')).port);
    assert.equal((await workload(a, 'udp-send', '--host', '198.18.1.2', '--port', port, '--count', String(N), '--size', '200').done()).sent, N);
    l.cp.kill();
    r = p.sample();
  } finally {
    p.stop();
  }
  const by = new Map(r.devices.map((d) => [d.dev, d]));
  assert.deepEqual([...by.keys()].sort(), ['mv0', ifA]);
  const [mv, vx] = [by.get('mv0')!, by.get(ifA)!];
  assert.deepEqual([mv.count, mv.ok, vx.count, vx.ok], [N, N, N, N]);
  // the macvlan's xmit holds the veth's inside it
  assert.ok(mv.total_ns > vx.total_ns, `macvlan ${mv.total_ns} ns, veth ${vx.total_ns} ns`);
  assert.deepEqual(p.lost(), { full: 0, refused: 0, untracked: 0 });
});

test('CLI: -I --json sums to N; -N in ns; the table within 100 columns; bad input', kernelOpts(), async () => {
  const { a, b, ifA } = quietVethPair();
  const lines = await traceDuring('nettxlat', ['--netns', a.name, '-I', ifA, '-i', '2', '-d', '6', '-N', '--json'], () => send(a, b));
  const objs = lines.map((l) => JSON.parse(l) as { ts: string; interval_s: number; devices: NetTxLatStat[] });
  assert.ok(objs.length >= 2, lines.join('\n'));
  for (const o of objs) assert.deepEqual(Object.keys(o), ['ts', 'interval_s', 'devices']);
  const all = objs.flatMap((o) => o.devices);
  assert.deepEqual([all.reduce((t, d) => t + d.count, 0), all.reduce((t, d) => t + d.ok, 0)], [N, N]);
  assert.ok(all.every((d) => d.dev === ifA && d.hist.unit === 'nsecs'));

  const text = await traceDuring('nettxlat', ['--netns', a.name, '-d', '5'], () => send(a, b, 5));
  assert.match(text[0]!, /^NETNS +DEV +PACKETS +AVG_us +MAX_us +OK +BUSY +FAILED$/);
  assert.ok(text.some((l) => new RegExp(`^${netnsInode(a.name)} +vx0 +5 +[\\d.]+ +[\\d.]+ +5 +0 +0$`).test(l)), text.join('\n'));
  assert.ok(text.includes('dev = vx0'), text.join('\n'));
  assert.ok(text.includes('     usecs               : count     distribution'), text.join('\n'));
  assert.ok(text.every((l) => [...l].length <= 100));

  assertUsageErrors('nettxlat', [['-I', 'no-such-if0'], ['--netns', 'no-such-ns-here'], ['-p', '1'], ['-L', '80'], ['-c', '2'], ['-i', '0']]);
});
