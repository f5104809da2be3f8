// Kernel tests for netqtop: a veth pair with two queues each way between two namespaces the test
// makes, its receiving end using NAPI (GRO on, TSO off on the sender). XPS sends from CPU 0 on TX
// queue 0 and from CPU 1 on TX queue 1 (tx-N/xps_cpus); a veth hands a packet sent on TX queue N
// to its peer's RX queue N. Known answers: the datagrams each flow sent and their size, the
// devices' counters (/proc/net/dev) and the receiving veth's per-queue NAPI counters (ethtool -S).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kernelOpts, knowNeighbours, Netns, PYTHON, sh } from '../../testlib/kernel.js';
import { assertBadInput, assertUsageErrors, startTracing } from '../../testlib/cli.js';
import { WORKLOAD, workload } from '../../testlib/traffic.js';
import { netnsInode } from '../../core/kit/filter.js';
import type { DevVia } from '../../core/kit/dev.js';
import { startNetqtop, type NetqtopQueue, type NetqtopReport } from './lib.js';

/**
 * a (198.18.0.1, vx0) → b (198.18.0.2, vx1), two queues each way. Nothing else crosses: no IPv6,
 * a static neighbour entry (no ARP), and b answers nothing (UDP listeners take the datagrams).
 */
async function queueVeth(): Promise<{ a: Netns; b: Netns; port: number; loPort: number }> {
  const a = new Netns('netdxa');
  const b = new Netns('netdxb');
  for (const ns of [a, b]) ns.exec('sysctl', ['-qw', 'net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1']);
  sh('ip', ['-n', a.name, 'link', 'add', 'vx0', 'numtxqueues', '2', 'numrxqueues', '2', 'type', 'veth',
    'peer', 'name', 'vx1', 'numtxqueues', '2', 'numrxqueues', '2', 'netns', b.name]);
  sh('ip', ['-n', a.name, 'addr', 'add', '198.18.0.1/24', 'dev', 'vx0']);
  sh('ip', ['-n', b.name, 'addr', 'add', '198.18.0.2/24', 'dev', 'vx1']);
  b.exec('ethtool', ['-K', 'vx1', 'gro', 'on']);
  a.exec('ethtool', ['-K', 'vx0', 'tso', 'off']);
  a.exec('sh', ['-c', 'echo 1 > /sys/class/net/vx0/queues/tx-0/xps_cpus && echo 2 > /sys/class/net/vx0/queues/tx-1/xps_cpus']);
  sh('ip', ['-n', a.name, 'link', 'set', 'vx0', 'up']);
  sh('ip', ['-n', b.name, 'link', 'set', 'vx1', 'up']);
  knowNeighbours(a, 'vx0', b, 'vx1', ['198.18.0.2']);
  const l = workload(b, 'udp-listen', '--host', '198.18.0.2', '--hold', '60000');
  const lo = workload(a, 'udp-listen', '--host', '127.0.0.1', '--hold', '60000');
  return { a, b, port: (await l.wait('listening')).port as number, loPort: (await lo.wait('listening')).port as number };
}

/** `count` datagrams of `size` bytes from a, run on `cpu`; returns how many were sent. */
function sendFrom(a: Netns, cpu: number, host: string, port: number, count: number, size: number): number {
  const out = a.exec('taskset', ['-c', String(cpu), PYTHON, WORKLOAD, 'udp-send', '--host', host, '--port', String(port), '--count', String(count), '--size', String(size)]);
  return (JSON.parse(out.trim().split('\n').pop()!) as { sent: number }).sent;
}

/** A device's counters in its namespace: /proc/net/dev, and ethtool -S's per-queue NAPI counters. */
function counters(ns: Netns, dev: string): { rx: number; rxBytes: number; tx: number; txBytes: number; queues: Record<string, number> } {
  const f = ns.exec('cat', ['/proc/net/dev']).split('\n').find((l) => l.trim().startsWith(`${dev}:`))!.split(':')[1]!.trim().split(/\s+/).map(Number);
  const queues: Record<string, number> = {};
  if (dev !== 'lo') for (const m of ns.exec('ethtool', ['-S', dev]).matchAll(/(rx_queue_\d+_xdp_(?:packets|bytes)): (\d+)/g)) queues[m[1]!] = Number(m[2]);
  return { rx: f[1]!, rxBytes: f[0]!, tx: f[9]!, txBytes: f[8]! , queues };
}

function delta<T extends Record<string, number | Record<string, number>>>(post: T, pre: T): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(post)) {
    if (typeof v === 'number') out[k] = v - (pre[k] as number);
    else for (const [q, n] of Object.entries(v)) out[q] = n - (pre[k] as Record<string, number>)[q]!;
  }
  return out;
}

const rowsOf = (qs: readonly NetqtopQueue[], netns: number) => qs.filter((q) => q.netns === netns).map((q) => [q.dev, q.dir, q.queue, q.packets, q.bytes, q.sizes]);

for (const via of ['raw_tp', 'tracepoint', 'tp_btf'] as const satisfies readonly DevVia[]) {
test(`two flows on two veth queues, and loopback: per queue packets and bytes exactly as sent, sums = device counters (${via})`, kernelOpts(), async () => {
  const { a, b, port, loPort } = await queueVeth();
  const nsA = netnsInode(a.name), nsB = netnsInode(b.name);
  // no filter; -I vx1 of b; --netns a
  const probes = [startNetqtop({}, { via }), startNetqtop({}, { interface: 'vx1', netns: b.name }), startNetqtop({ netns: nsA })];
  assert.equal(probes[0]!.via, via);
  const pre = { vx0: counters(a, 'vx0'), vx1: counters(b, 'vx1'), lo: counters(a, 'lo') };
  let reports: NetqtopReport[];
  try {
    assert.equal(sendFrom(a, 0, '198.18.0.2', port, 30, 100), 30);
    assert.equal(sendFrom(a, 1, '198.18.0.2', port, 50, 300), 50);
    assert.equal(sendFrom(a, 0, '127.0.0.1', loPort, 7, 200), 7);
    reports = probes.map((p) => p.sample());
  } finally {
    for (const p of probes) p.stop();
  }
  const [all, vx1, inA] = reports as [NetqtopReport, NetqtopReport, NetqtopReport];
  // frames: payload + UDP 8 + IPv4 20 + Ethernet 14
  const f1 = 142, f2 = 342, fLo = 242;
  assert.deepEqual(rowsOf(all.queues, nsB), [
    ['vx1', 'rx', 0, 30, 30 * f1, [0, 30, 0, 0, 0]],
    ['vx1', 'rx', 1, 50, 50 * f2, [0, 50, 0, 0, 0]],
  ]);
  assert.deepEqual(rowsOf(all.queues, nsA), [
    ['lo', 'rx', null, 7, 7 * fLo, [0, 7, 0, 0, 0]], // loopback records no RX queue
    ['lo', 'tx', 0, 7, 7 * fLo, [0, 7, 0, 0, 0]],
    ['vx0', 'tx', 0, 30, 30 * f1, [0, 30, 0, 0, 0]],
    ['vx0', 'tx', 1, 50, 50 * f2, [0, 50, 0, 0, 0]],
  ]);
  assert.deepEqual(rowsOf(vx1.queues, nsB), rowsOf(all.queues, nsB), '-I vx1');
  assert.equal(vx1.queues.length, 2, '-I vx1: nothing else');
  assert.deepEqual(rowsOf(inA.queues, nsA), rowsOf(all.queues, nsA), '--netns a');
  assert.equal(inA.queues.length, 4, '--netns a: nothing else');

  // the oracles: the receiving veth's NAPI counters per queue, and the devices' counters; all
  // count bytes after the Ethernet header is pulled (eth_type_trans), netqtop whole frames
  const d1 = delta(counters(b, 'vx1'), pre.vx1);
  assert.deepEqual([d1.rx_queue_0_xdp_packets, d1.rx_queue_1_xdp_packets], [30, 50]);
  assert.deepEqual([d1.rx_queue_0_xdp_bytes, d1.rx_queue_1_xdp_bytes], [30 * (f1 - 14), 50 * (f2 - 14)]);
  // (other tests on the machine have their own vx1 and lo: this test's namespaces only)
  const sum = (dev: string, dir: string, f: 'packets' | 'bytes') =>
    all.queues.filter((q) => q.netns === (dev === 'vx1' ? nsB : nsA) && q.dev === dev && q.dir === dir).reduce((n, q) => n + q[f], 0);
  assert.equal(sum('vx1', 'rx', 'packets'), d1.rx);
  assert.equal(sum('vx1', 'rx', 'bytes') - 14 * d1.rx!, d1.rxBytes);
  const d0 = delta(counters(a, 'vx0'), pre.vx0);
  assert.equal(sum('vx0', 'tx', 'packets'), d0.tx);
  assert.equal(sum('vx0', 'tx', 'bytes') - 14 * d0.tx!, d0.txBytes);
  const dl = delta(counters(a, 'lo'), pre.lo);
  assert.deepEqual([sum('lo', 'rx', 'packets'), sum('lo', 'rx', 'bytes'), sum('lo', 'tx', 'packets'), sum('lo', 'tx', 'bytes')],
    [dl.rx, dl.rxBytes! + 14 * dl.rx!, dl.tx, dl.txBytes! + 14 * dl.tx!]);
  assert.deepEqual(probes[0]!.lost(), { full: 0, refused: 0, untracked: 0 });
});
}

test('CLI: --json per interval sums to the flows; the table within 100 columns; bad input', kernelOpts(), async () => {
  const { a, b, port } = await queueVeth();
  const nsB = netnsInode(b.name);
  const t = await startTracing('netqtop', ['--netns', b.name, '-I', 'vx1', '-i', '1', '-d', '2.5', '--json']);
  sendFrom(a, 1, '198.18.0.2', port, 20, 1000);
  sendFrom(a, 0, '198.18.0.2', port, 3, 20);
  assert.equal(await t.exit, 0, t.err.join('\n'));
  assert.equal(t.out.length, 3, t.out.join('\n'));
  const objs = t.out.map((l) => JSON.parse(l) as { ts: string; interval_s: number; queues: NetqtopQueue[] });
  for (const o of objs) assert.deepEqual(Object.keys(o), ['ts', 'interval_s', 'queues']);
  const rows = objs.flatMap((o) => o.queues);
  assert.deepEqual(Object.keys(rows[0]!), ['netns', 'dev', 'ifindex', 'dir', 'queue', 'packets', 'bytes', 'sizes']);
  const byQueue = (q: number) => rows.filter((x) => x.queue === q).reduce((s, x) => [s[0]! + x.packets, s[1]! + x.bytes], [0, 0]);
  assert.deepEqual([byQueue(0), byQueue(1)], [[3, 3 * 62], [20, 20 * 1042]]);
  assert.ok(rows.every((x) => x.dev === 'vx1' && x.dir === 'rx' && x.netns === nsB));

  const text = await startTracing('netqtop', ['--netns', b.name, '-d', '1.5']);
  sendFrom(a, 1, '198.18.0.2', port, 5, 600);
  assert.equal(await text.exit, 0, text.err.join('\n'));
  assert.match(text.out[0]!, /^NETNS +DEV +DIR +QUEUE +PACKETS +BYTES +AVG +<64 +64-511 +512-2K +2K-16K +16K\+$/);
  assert.ok(text.out.includes(`${nsB} vx1 rx      1       5  3210 642   0      0      5      0    0`), text.out.join('\n'));
  assert.ok(text.out.every((l) => [...l].length <= 100));

  assertUsageErrors('netqtop', [['-I', 'no-such-if'], ['--netns', b.name, '-I', 'vx0'], ['--netns', 'no-such-ns-here'], ['-p', '1'], ['-6'], ['-D', '80'], ['-c', '2'], ['-i', '0']]);
  assertBadInput(b, 'netqtop', [['-I', 'vx0']]);
});
