// Kernel tests for napi: a veth whose receiving end uses NAPI (GRO on, and TSO off on the sender,
// so that veth hands its packets to the receiving queue's NAPI instead of netif_rx), between two
// namespaces the test makes. Datagrams one at a time, then UDP GSO bursts of 128 segments that the
// sender's veth takes in one go (software segmentation, bottom halves off), so that the NAPI finds
// more than its budget of 64 waiting. Known answers: the packets sent, the receiving device's
// rx_packets and its per-queue NAPI counters (ethtool -S rx_queue_N_xdp_packets).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kernelOpts, knowNeighbours, PYTHON, vethPair, type Netns } from '../../testlib/kernel.js';
import { assertBadInput, assertUsageErrors, startTracing } from '../../testlib/cli.js';
import { workload } from '../../testlib/traffic.js';
import { netnsInode } from '../../core/kit/filter.js';
import { totalCount } from '../../core/hist.js';
import { startNapi, type NapiReport, type NapiStat } from './lib.js';
import type { DevVia } from '../../core/kit/dev.js';

/**
 * a → b over a veth whose end vx1 uses NAPI. Nothing else reaches vx1: a's neighbour entry for b
 * is static (no ARP), IPv6 is off on vx0 (no router solicitations or MLD reports), and b answers
 * nothing (a UDP listener takes the datagrams: no ICMP errors, no ARP from b).
 */
async function napiVeth(): Promise<{ a: Netns; b: Netns; port: number }> {
  const { a, b } = vethPair();
  b.exec('ethtool', ['-K', 'vx1', 'gro', 'on']);
  a.exec('ethtool', ['-K', 'vx0', 'tso', 'off', 'tx-udp-segmentation', 'off']);
  a.exec('sysctl', ['-qw', 'net.ipv6.conf.vx0.disable_ipv6=1']);
  knowNeighbours(a, 'vx0', b, 'vx1', ['198.18.0.2']);
  const l = workload(b, 'udp-listen', '--host', '198.18.0.2', '--hold', '60000');
  const port = (await l.wait('listening')).port as number;
  return { a, b, port };
}

/**
 * From a, pinned to CPU 0 (where the NAPI then runs): `single` datagrams of 100 bytes one by one,
 * then `bursts` sends of 128 segments of 100 bytes (UDP_SEGMENT). Returns the packets sent.
 */
function send(a: Netns, port: number, single: number, bursts: number): number {
  const py = `
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(${single}):
    s.sendto(b"s" * 100, ("198.18.0.2", ${port}))
time.sleep(0.05)
s.setsockopt(socket.IPPROTO_UDP, 103, 100)  # UDP_SEGMENT: 100-byte segments
for i in range(${bursts}):
    s.sendto(b"b" * 12800, ("198.18.0.2", ${port}))
    time.sleep(0.05)
print(${single} + 128 * ${bursts})`;
  return Number(a.exec('taskset', ['-c', '0', PYTHON, '-c', py]));
}

/** vx1's received packets: the interface counter, and the sum of its queues' NAPI counters. */
function rxCounters(b: Netns): { rx: number; napi: number } {
  const dev = b.exec('cat', ['/proc/net/dev']).split('\n').find((l) => l.trim().startsWith('vx1:'))!;
  const rx = Number(dev.split(':')[1]!.trim().split(/\s+/)[1]);
  const napi = [...b.exec('ethtool', ['-S', 'vx1']).matchAll(/rx_queue_\d+_xdp_packets: (\d+)/g)].reduce((n, m) => n + Number(m[1]), 0);
  return { rx, napi };
}

const sum = (rows: readonly NapiStat[], f: 'polls' | 'work' | 'exhausted') => rows.reduce((n, s) => n + s[f], 0);
const inFullPolls = (s: NapiStat) => s.hist.buckets.find((x) => x.low === 64)?.count ?? 0;

for (const via of ['raw_tp', 'tracepoint', 'tp_btf'] as const satisfies readonly DevVia[]) {
test(`100 datagrams and 2 bursts of 128 segments: work = rx_packets = the NAPI counters, full polls counted (${via})`, kernelOpts(), async () => {
  const { a, b, port } = await napiVeth();
  const ns = netnsInode(b.name);
  // -I vx1 (of b), --netns b alone, and no filter
  const probes = [startNapi({}, { interface: 'vx1', netns: b.name, via }), startNapi({ netns: ns }), startNapi()];
  assert.equal(probes[0]!.via, via);
  let reports: NapiReport[];
  const pre = rxCounters(b);
  let sent: number;
  try {
    sent = send(a, port, 100, 2);
    // loopback in a: netif_rx, polled by the per-CPU backlog NAPI (no device)
    await workload(a, 'udp-send', '--host', '127.0.0.1', '--port', '9', '--count', '20', '--size', '64').done();
    reports = probes.map((p) => p.sample());
  } finally {
    for (const p of probes) p.stop();
  }
  const [r, rNs, rAll] = reports as [NapiReport, NapiReport, NapiReport];
  const post = rxCounters(b);
  assert.equal(sent, 356);
  assert.ok(r.napi.length > 0, 'vx1 polled');
  assert.ok(r.napi.every((s) => s.dev === 'vx1' && s.netns === ns), JSON.stringify(r.napi));
  const work = sum(r.napi, 'work');
  assert.equal(work, 356, 'every packet sent, handled by a poll of vx1');
  assert.equal(work, post.rx - pre.rx, 'vx1 rx_packets');
  assert.equal(work, post.napi - pre.napi, 'vx1 rx_queue_N_xdp_packets');
  for (const s of r.napi) {
    assert.equal(s.budget, 64);
    assert.equal(totalCount(s.hist), s.polls, 'the histogram holds every poll');
    assert.equal(s.exhausted, inFullPolls(s), 'exhausted = the polls with work 64 (their budget), from the histogram');
  }
  // each burst: 128 packets waiting before the first poll, which takes 64 and stays scheduled
  // on CPU 0, where the sender ran and scheduled the NAPI
  const cpu0 = r.napi.find((s) => s.cpu === 0);
  assert.ok(cpu0 && cpu0.exhausted >= 4, `2 full polls a burst at least, on CPU 0: ${JSON.stringify(r.napi)}`);
  assert.ok(sum(r.napi, 'polls') >= 6 && sum(r.napi, 'polls') <= 356 + 2, `polls ${sum(r.napi, 'polls')}`);
  // --netns alone: the namespace's devices (only vx1 received), never the backlog
  assert.deepEqual(rNs.napi.map((s) => [s.dev, s.work, s.exhausted]), r.napi.map((s) => [s.dev, s.work, s.exhausted]));
  // no filter: vx1 the same, and the backlog NAPI (lo of a, and whatever else the host sends)
  assert.deepEqual(rAll.napi.filter((s) => s.netns === ns).map((s) => [s.dev, s.work]), r.napi.map((s) => [s.dev, s.work]));
  const backlog = rAll.napi.filter((s) => s.dev === 'backlog');
  assert.ok(backlog.every((s) => s.netns === 0 && s.ifindex === 0));
  assert.ok(sum(backlog, 'work') >= 20, `the 20 loopback datagrams went through the backlog: ${sum(backlog, 'work')}`);
  assert.deepEqual(probes[0]!.lost(), { full: 0, refused: 0, untracked: 0 });
});
}

test('CLI: --json per interval sums to the answer; the table and -H within 100 columns; bad input', kernelOpts(), async () => {
  const { a, b, port } = await napiVeth();
  const ns = netnsInode(b.name);
  const t = await startTracing('napi', ['--netns', b.name, '-I', 'vx1', '-i', '1', '-d', '2.5', '--json']);
  send(a, port, 10, 1);
  assert.equal(await t.exit, 0, t.err.join('\n'));
  assert.equal(t.out.length, 3, t.out.join('\n'));
  const objs = t.out.map((l) => JSON.parse(l) as { ts: string; interval_s: number; napi: NapiStat[] });
  for (const o of objs) assert.deepEqual(Object.keys(o), ['ts', 'interval_s', 'napi']);
  const rows = objs.flatMap((o) => o.napi);
  assert.deepEqual(Object.keys(rows[0]!), ['netns', 'dev', 'ifindex', 'cpu', 'polls', 'work', 'exhausted', 'budget', 'hist']);
  assert.equal(sum(rows, 'work'), 138);
  assert.ok(sum(rows, 'exhausted') >= 2 && rows.every((s) => s.dev === 'vx1' && s.netns === ns));

  const text = await startTracing('napi', ['--netns', b.name, '-d', '1.5', '-H']);
  send(a, port, 0, 1);
  assert.equal(await text.exit, 0, text.err.join('\n'));
  assert.match(text.out[0]!, /^NETNS +DEV +CPU +POLLS +WORK +AVG +EXHAUSTED +EXH% +BUDGET$/);
  const rows2 = text.out.filter((l) => l.startsWith(`${ns} `));
  assert.ok(rows2.length && rows2.every((l) => new RegExp(`^${ns} +vx1 +\\d +\\d+ +\\d+ +[\\d.]+ +\\d+ +[\\d.]+ +64$`).test(l)), text.out.join('\n'));
  assert.equal(rows2.reduce((n, l) => n + Number(l.split(/ +/)[4]), 0), 128, 'WORK sums to the burst');
  assert.ok(text.out.includes(`dev = vx1 (netns ${ns}), cpu = 0`), text.out.join('\n'));
  assert.ok(text.out.some((l) => /^ +64 -> 127 +: [2-9]\d* +\|\*+ *\|$/.test(l)), text.out.join('\n'));
  assert.ok(text.out.every((l) => [...l].length <= 100));

  assertUsageErrors('napi', [['-I', 'no-such-if'], ['--netns', b.name, '-I', 'lo0'], ['--netns', 'no-such-ns-here'], ['-p', '1'], ['-4'], ['-L', '80'], ['-c', '2'], ['-i', '0']]);
  assertBadInput(b, 'napi', [['-I', 'vx0']]);
});
