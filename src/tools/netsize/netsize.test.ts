// Kernel tests for netsize: UDP datagrams of known sizes sent each way over a quiet veth pair
// (IPv6 off, static neighbours: nothing else moves) between two namespaces the test makes, against
// the application's numbers and the interfaces' own counters (`ip -s link`).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kernelOpts, quietVethPair, type Netns } from '../../testlib/kernel.js';
import { assertUsageErrors, traceDuring } from '../../testlib/cli.js';
import { ipJsonStats } from '../../testlib/ip-oracle.js';
import { workload } from '../../testlib/traffic.js';
import { netnsInode } from '../../core/kit/filter.js';
import { DEV_VIAS } from '../../core/kit/dev.js';
import { startNetSize, type NetSizeReport, type NetSizeStat } from './lib.js';

/** UDP payload sizes and counts, each way: IPv4 + UDP add 28 bytes, Ethernet 14 more. */
const A_TO_B = [[100, 5], [1000, 3], [20, 2]] as const;
const B_TO_A = [[300, 4], [50, 6]] as const;

/** Packets by log2 slot of the length, for payloads sent with `extra` header bytes. */
function slots(sends: ReadonlyArray<readonly [number, number]>, extra: number): Record<number, number> {
  const out: Record<number, number> = {};
  for (const [p, n] of sends) { const s = Math.floor(Math.log2(p + extra)); out[s] = (out[s] ?? 0) + n; }
  return out;
}

const bytes = (sends: ReadonlyArray<readonly [number, number]>, extra: number) => sends.reduce((t, [p, n]) => t + n * (p + extra), 0);
const count = (sends: ReadonlyArray<readonly [number, number]>) => sends.reduce((t, [, n]) => t + n, 0);

function histSlots(s: NetSizeStat | undefined): Record<number, number> {
  const out: Record<number, number> = {};
  for (const b of s?.hist.buckets ?? []) if (b.count) out[Math.round(Math.log2(Math.max(b.low, 1)))] = b.count;
  return out;
}

function linkStats(ns: Netns, dev: string) {
  return ipJsonStats(ns.exec('ip', ['-s', '-s', '-j', 'link', 'show', 'dev', dev])).get(dev)!;
}

/** Listeners on both ends (no ICMP port unreachable comes back), then the datagrams each way. */
async function traffic(a: Netns, b: Netns): Promise<void> {
  const la = workload(a, 'udp-listen', '--host', '198.18.0.1', '--hold', '15000');
  const lb = workload(b, 'udp-listen', '--host', '198.18.0.2', '--hold', '15000');
  const pa = String((await la.wait('listening')).port);
  const pb = String((await lb.wait('listening')).port);
  for (const [size, n] of A_TO_B) {
    assert.equal((await workload(a, 'udp-send', '--host', '198.18.0.2', '--port', pb, '--count', String(n), '--size', String(size)).done()).sent, n);
  }
  for (const [size, n] of B_TO_A) {
    assert.equal((await workload(b, 'udp-send', '--host', '198.18.0.1', '--port', pa, '--count', String(n), '--size', String(size)).done()).sent, n);
  }
  la.cp.kill();
  lb.cp.kill();
}

for (const via of DEV_VIAS) {
test(`datagrams each way: exact packets per size slot, bytes equal to ip -s link (${via})`, kernelOpts(), async () => {
  const { a, b, ifA, ifB } = quietVethPair();
  const preA = linkStats(a, ifA);
  const preB = linkStats(b, ifB);
  // a's namespace by --netns; b's interface by -I alone (named in b's namespace)
  const pa = startNetSize({ netns: netnsInode(a.name) }, { via });
  const pb = startNetSize({}, { interface: ifB, netns: b.name, via });
  assert.equal(pa.via, via);
  let ra: NetSizeReport, rb: NetSizeReport;
  try {
    await traffic(a, b);
    ra = pa.sample();
    rb = pb.sample();
  } finally {
    pa.stop();
    pb.stop();
  }
  const dA = linkStats(a, ifA);
  const dB = linkStats(b, ifB);
  assert.deepEqual(ra.sizes.map((s) => [s.netns, s.dev, s.dir]), [[netnsInode(a.name), ifA, 'rx'], [netnsInode(a.name), ifA, 'tx']]);
  assert.deepEqual(rb.sizes.map((s) => [s.netns, s.dev, s.dir]), [[netnsInode(b.name), ifB, 'rx'], [netnsInode(b.name), ifB, 'tx']]);
  const [rxA, txA] = ra.sizes;
  const [rxB, txB] = rb.sizes;
  // transmit: from the Ethernet header (payload + 42); receive: from the IP header (payload + 28)
  assert.deepEqual(histSlots(txA), slots(A_TO_B, 42));
  assert.deepEqual(histSlots(rxB), slots(A_TO_B, 28));
  assert.deepEqual(histSlots(txB), slots(B_TO_A, 42));
  assert.deepEqual(histSlots(rxA), slots(B_TO_A, 28));
  assert.deepEqual([txA!.packets, txA!.bytes, rxB!.packets, rxB!.bytes], [count(A_TO_B), bytes(A_TO_B, 42), count(A_TO_B), bytes(A_TO_B, 28)]);
  assert.deepEqual([txB!.packets, txB!.bytes, rxA!.packets, rxA!.bytes], [count(B_TO_A), bytes(B_TO_A, 42), count(B_TO_A), bytes(B_TO_A, 28)]);
  assert.deepEqual([txA!.segs, rxA!.segs, txB!.segs, rxB!.segs], [txA!.packets, rxA!.packets, txB!.packets, rxB!.packets], 'no GSO: one segment a packet');
  // the interfaces' counters: tx as netsize counts it; rx with the 14-byte Ethernet header back
  const delta = (post: typeof dA, pre: typeof dA, k: 'tx_packets' | 'tx_bytes' | 'rx_packets' | 'rx_bytes') => post[k]! - pre[k]!;
  assert.deepEqual([delta(dA, preA, 'tx_packets'), delta(dA, preA, 'tx_bytes')], [txA!.packets, txA!.bytes], `${ifA} tx`);
  assert.deepEqual([delta(dB, preB, 'tx_packets'), delta(dB, preB, 'tx_bytes')], [txB!.packets, txB!.bytes], `${ifB} tx`);
  assert.deepEqual([delta(dA, preA, 'rx_packets'), delta(dA, preA, 'rx_bytes')], [rxA!.packets, rxA!.bytes + 14 * rxA!.packets], `${ifA} rx`);
  assert.deepEqual([delta(dB, preB, 'rx_packets'), delta(dB, preB, 'rx_bytes')], [rxB!.packets, rxB!.bytes + 14 * rxB!.packets], `${ifB} rx`);
  assert.deepEqual(pa.lost(), { full: 0, refused: 0, untracked: 0 });
});
}

test('GSO: a 2 MB TCP transfer leaves in super-packets, counted once with their segments; = ip -s link', kernelOpts(), async () => {
  const { a, b, ifA, ifB } = quietVethPair();
  const preA = linkStats(a, ifA);
  const preB = linkStats(b, ifB);
  const p = startNetSize({}, { interface: ifA, netns: a.name });
  let r: NetSizeReport;
  try {
    const l = workload(b, 'listen', '--host', '198.18.0.2', '--read', '--hold', '3000');
    const port = (await l.wait('listening')).port as number;
    await workload(a, 'connect', '--host', '198.18.0.2', '--port', String(port), '--send', '2000000', '--hold', '1500').done();
    assert.equal((await l.done()).read, 2000000);
    r = p.sample();
  } finally {
    p.stop();
  }
  const dA = linkStats(a, ifA);
  const tx = r.sizes.find((s) => s.dir === 'tx')!;
  const rx = r.sizes.find((s) => s.dir === 'rx')!;
  assert.ok(tx.bytes > 2000000, `${tx.bytes} bytes sent`);
  assert.ok(tx.segs > 2000000 / 1500 && tx.packets < tx.segs / 2, `${tx.packets} packets for ${tx.segs} segments`);
  assert.ok(tx.hist.buckets.some((x) => x.low >= 8192 && x.count > 0), 'super-packets above 8 KB');
  // the veth counts a super-packet once, at its whole length, as netsize does
  assert.deepEqual([dA.tx_packets! - preA.tx_packets!, dA.tx_bytes! - preA.tx_bytes!], [tx.packets, tx.bytes]);
  assert.deepEqual([dA.rx_packets! - preA.rx_packets!, dA.rx_bytes! - preA.rx_bytes!], [rx.packets, rx.bytes + 14 * rx.packets]);
  assert.equal(linkStats(b, ifB).rx_packets! - preB.rx_packets!, tx.packets, 'b received the super-packets whole');
});

test('CLI: --netns -I --json sums to the answer; the table and histograms within 100 columns; bad input', kernelOpts(), async () => {
  const { a, b, ifA } = quietVethPair();
  const lines = await traceDuring('netsize', ['--netns', a.name, '-I', ifA, '-i', '2', '-d', '7', '--json'], () => traffic(a, b));
  const objs = lines.map((l) => JSON.parse(l) as { ts: string; interval_s: number; sizes: NetSizeStat[] });
  assert.ok(objs.length >= 3, lines.join('\n'));
  for (const o of objs) assert.deepEqual(Object.keys(o), ['ts', 'interval_s', 'sizes']);
  const sum = (dir: string, f: (s: NetSizeStat) => number) => objs.flatMap((o) => o.sizes).filter((s) => s.dir === dir).reduce((t, s) => t + f(s), 0);
  assert.deepEqual([sum('tx', (s) => s.packets), sum('tx', (s) => s.bytes)], [count(A_TO_B), bytes(A_TO_B, 42)]);
  assert.deepEqual([sum('rx', (s) => s.packets), sum('rx', (s) => s.bytes)], [count(B_TO_A), bytes(B_TO_A, 28)]);

  const text = await traceDuring('netsize', ['--netns', a.name, '-d', '6'], () => traffic(a, b));
  assert.match(text[0]!, /^NETNS +DEV +DIR +PACKETS +BYTES +AVG +SEGS$/);
  const ns = netnsInode(a.name);
  assert.ok(text.some((l) => new RegExp(`^${ns} +vx0 +tx +10 +${bytes(A_TO_B, 42)} +${Math.round(bytes(A_TO_B, 42) / 10)} +10$`).test(l)), text.join('\n'));
  assert.ok(text.includes('dev = vx0, sent (from the link-layer header)'), text.join('\n'));
  assert.ok(text.some((l) => /^ +1024 -> 2047 +: 3 +\|\*+ *\|$/.test(l)), text.join('\n'));
  assert.ok(text.every((l) => [...l].length <= 100));

  assertUsageErrors('netsize', [['-I', 'no-such-if0'], ['--netns', a.name, '-I', 'lo0'], ['--netns', 'no-such-ns-here'], ['-p', '1'],
    ['-4'], ['-c', '2'], ['-i', '0']]);
});
