// Kernel tests for qdisclat: a tbf qdisc at 1 Mbit/s on a quiet veth (IPv6 off, static
// neighbours: nothing else moves) in a namespace the test makes, and a burst of UDP datagrams of
// 1042 bytes on the wire: each waits one more 8.336 ms than the one before (1042 * 8 / 1e6 s), so
// the waits are known; the counts against `tc -s qdisc`. A tbf with a tiny limit gives drops.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kernelOpts, progMisses, quietVethPair, skipped, type Netns } from '../../testlib/kernel.js';
import { assertUsageErrors, traceDuring } from '../../testlib/cli.js';
import { workload } from '../../testlib/traffic.js';
import { netnsInode } from '../../core/kit/filter.js';
import { FtraceEvent, unseenByBpf } from '../../testlib/ftrace.js';
import { DEV_VIAS } from '../../core/kit/dev.js';
import { totalCount } from '../../core/hist.js';
import { startQdiscLat, type QdiscLatReport, type QdiscLatStat } from './lib.js';

const N = 46;
/** Packets the kernel may enqueue or dequeue where no BPF program runs (testlib/ftrace.ts), in the
 * tests without ftrace beside them: seen at most one a burst. */
const MISSED = 3;
const PAYLOAD = 1000;
const WIRE = PAYLOAD + 42; // + UDP 8, IPv4 20, Ethernet 14: the length tbf charges
const RATE = 125_000; // 1 Mbit/s in bytes/s
const BURST = 1600;
const STEP_MS = (WIRE * 1000) / RATE; // 8.336 ms
/** Packet k's wait: the first goes at once, the second waits for the bucket's missing bytes, then one step each. */
const waitMs = (k: number) => (k === 0 ? 0 : ((WIRE - (BURST - WIRE)) * 1000) / RATE + (k - 1) * STEP_MS);

interface TcQdisc { kind: string; handle: string; packets: number; drops: number; overlimits: number; requeues: number; qlen: number }
const tcTbf = (ns: Netns) => (JSON.parse(ns.exec('tc', ['-s', '-j', 'qdisc', 'show', 'dev', 'vx0'])) as TcQdisc[]).find((q) => q.kind === 'tbf')!;

/** A tbf on a's vx0; deleted at the end of the test (and with the namespace). */
function tbf(a: Netns, limit: number, t: { after(fn: () => void): void }): void {
  a.exec('tc', ['qdisc', 'add', 'dev', 'vx0', 'root', 'tbf', 'rate', '1mbit', 'burst', String(BURST), 'limit', String(limit)]);
  t.after(() => { try { a.exec('tc', ['qdisc', 'del', 'dev', 'vx0', 'root']); } catch { /* namespace gone */ } });
}

/** n datagrams from a to b, then until the tbf is empty (a burst of 46 takes ~0.4 s). */
async function burst(a: Netns, n: number): Promise<void> {
  assert.equal((await workload(a, 'udp-send', '--host', '198.18.0.2', '--port', '9', '--count', String(n), '--size', String(PAYLOAD)).done()).sent, n);
  for (let i = 0; i < 100 && tcTbf(a).qlen > 0; i++) await new Promise((r) => setTimeout(r, 50));
  assert.equal(tcTbf(a).qlen, 0, 'the tbf drained');
}

const delta = (post: TcQdisc, pre: TcQdisc) => ({ sent: post.packets - pre.packets, drops: post.drops - pre.drops, overlimits: post.overlimits - pre.overlimits, requeues: post.requeues - pre.requeues });

for (const via of DEV_VIAS) {
test(`tbf 1 Mbit/s, ${N} packets of ${WIRE} bytes: tc Sent ${N}, as many timed, the last waits ${waitMs(N - 1).toFixed(0)} ms (${via})`, kernelOpts(), async (t) => {
  const { a, ifA } = quietVethPair();
  tbf(a, 100_000, t);
  const pre = tcTbf(a);
  const p = startQdiscLat({ netns: netnsInode(a.name) }, { netns: a.name, interface: ifA, via });
  assert.equal(p.via, via);
  // ftrace beside it: the qdisc's hits that no BPF program sees, in a softirq over a thread of
  // PID 1 (the VM's agent: testlib/ftrace.ts; bpftrace misses them too)
  const ft = [new FtraceEvent('qdisc/qdisc_enqueue'), new FtraceEvent('qdisc/qdisc_dequeue')];
  let r: QdiscLatReport, missed: number, blind: number;
  try {
    await burst(a, N);
    r = p.sample();
    missed = progMisses();
    const ifindex = Number(a.exec('cat', [`/sys/class/net/${ifA}/ifindex`]).trim());
    blind = unseenByBpf(ft.flatMap((f) => f.hits()), (h) => Number(h.fields.ifindex) === ifindex &&
      (h.fields.packets === undefined || Number(h.fields.packets) > 0));
  } finally {
    p.stop();
    for (const f of ft) f.close();
  }
  const d = delta(tcTbf(a), pre);
  assert.equal(r.qdiscs.length, 1, JSON.stringify(r.qdiscs));
  const q = r.qdiscs[0]!;
  assert.deepEqual([q.netns, q.dev, q.kind, q.handle, q.parent], [netnsInode(a.name), ifA, 'tbf', pre.handle, 'root']);
  assert.equal(d.sent, N, 'tc Sent');
  if (skipped(t, via, missed)) {
    // a skipped enqueue leaves its packet untimed, a skipped dequeue leaves it out
    assert.ok(q.packets <= N && q.packets + q.untimed + missed >= N - blind, `${q.packets} timed, ${q.untimed} untimed, ${missed} skipped, ${blind} where BPF does not run`);
    return;
  }
  // N timed, 0 untimed, but for what BPF cannot see: a dequeue no program ran for leaves its
  // packet out, an enqueue leaves it untimed; never more than N.
  assert.ok(q.packets <= N && q.packets + q.untimed >= N - blind, `${q.packets} timed, ${q.untimed} untimed of ${N}, ${blind} hits where BPF does not run`);
  assert.ok(q.untimed <= blind, `${q.untimed} untimed, ${blind} enqueues or dequeues where BPF does not run`);
  if (q.packets < N) t.diagnostic(`${N - q.packets} of ${N} dequeues where BPF does not run (ftrace: ${blind} over PID 1's threads)`);
  assert.equal(totalCount(q.hist), q.packets);
  assert.deepEqual(q.stats && { sent: q.stats.sent, drops: q.stats.drops, overlimits: q.stats.overlimits, requeues: q.stats.requeues }, d, 'tc -s qdisc');
  assert.ok(d.overlimits > 0, 'tbf held packets back');
  // the last packet's wait, in the highest bucket of the histogram (µs), and the max near it
  const last = waitMs(N - 1);
  const top = q.hist.buckets[q.hist.buckets.length - 1]!;
  assert.ok(top.low <= last * 1000 && last * 1000 <= top.high, `last wait ${last} ms in ${top.low}-${top.high} us`);
  assert.ok(Math.abs(q.max_ns / 1e6 - (last - 10)) <= 40, `max ${q.max_ns / 1e6} ms, expected ${last} ms (less the time the sender took)`);
  // the waits grow one step a packet: their sum is the arithmetic series'
  const sum = Array.from({ length: N }, (_, k) => waitMs(k)).reduce((x, y) => x + y, 0);
  assert.ok(Math.abs(q.total_ns / 1e6 - sum) <= sum * 0.15, `total ${q.total_ns / 1e6} ms, expected ${sum.toFixed(0)} ms`);
  assert.deepEqual(p.lost(), { full: 0, refused: 0, untracked: 0 });
});
}

test('tbf with a tiny limit: drops and overlimits = tc\'s, timed + dropped = sent', kernelOpts(), async (t) => {
  const { a, ifA } = quietVethPair();
  tbf(a, 3000, t);
  const pre = tcTbf(a);
  const p = startQdiscLat({ netns: netnsInode(a.name) }, { netns: a.name, interface: ifA });
  let r: QdiscLatReport;
  try {
    await burst(a, 30);
    r = p.sample();
  } finally {
    p.stop();
  }
  const d = delta(tcTbf(a), pre);
  assert.equal(r.qdiscs.length, 1, JSON.stringify(r.qdiscs));
  const q = r.qdiscs[0]!;
  assert.ok(d.drops > 0, `tc dropped ${d.drops}`);
  assert.deepEqual([q.stats!.sent, q.stats!.drops, q.stats!.overlimits], [d.sent, d.drops, d.overlimits]);
  assert.equal(d.sent + d.drops, 30);
  assert.ok(q.packets <= d.sent && q.packets >= d.sent - MISSED, `${q.packets} timed of ${d.sent} sent`);
});

test('CLI: -m --json sums to the burst; the table within 100 columns; bad input', kernelOpts(), async (t) => {
  const { a, ifA } = quietVethPair();
  tbf(a, 100_000, t);
  const handle = tcTbf(a).handle;
  const lines = await traceDuring('qdisclat', ['--netns', a.name, '-I', ifA, '-m', '-i', '2', '-d', '7', '--json'], () => burst(a, N));
  const objs = lines.map((l) => JSON.parse(l) as { ts: string; interval_s: number; qdiscs: QdiscLatStat[] });
  assert.ok(objs.length >= 2, lines.join('\n'));
  for (const o of objs) assert.deepEqual(Object.keys(o), ['ts', 'interval_s', 'qdiscs']);
  const all = objs.flatMap((o) => o.qdiscs);
  const timed = all.reduce((x, q) => x + q.packets, 0);
  assert.equal(all.reduce((x, q) => x + q.stats!.sent, 0), N);
  assert.ok(timed <= N && timed >= N - MISSED, `${timed} timed of ${N}`);
  assert.ok(all.every((q) => q.kind === 'tbf' && q.handle === handle && q.hist.unit === 'msecs'));
  // in ms, the last packet (~371 ms) is in 256 -> 511
  assert.ok(all.some((q) => q.hist.buckets.some((b) => b.low === 256 && b.count > 0)), JSON.stringify(all.map((q) => q.hist)));

  const text = await traceDuring('qdisclat', ['--netns', a.name, '-d', '5'], () => burst(a, 10));
  assert.match(text[0]!, /^NETNS +DEV +QDISC +PARENT +PACKETS +AVG_us +MAX_us +DROPS +OVERLIM +BACKLOG$/);
  assert.ok(text.some((l) => new RegExp(`^${netnsInode(a.name)} +vx0 +tbf ${handle} +root +(10|9|8|7) +[\\d.]+ +[\\d.]+ +0 +\\d+ +0$`).test(l)), text.join('\n'));
  assert.ok(text.includes(`dev = vx0, qdisc tbf ${handle} (parent root)`), text.join('\n'));
  assert.ok(text.every((l) => [...l].length <= 100));

  assertUsageErrors('qdisclat', [['-I', 'no-such-if0'], ['--netns', 'no-such-ns-here'], ['-p', '1'], ['-6'], ['-c', '2'], ['-i', '0']]);
});
