import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseQdiscDump, parseQdiscMessage, qdiscsByLink } from './qdisc.js';

const FIX = new URL('../../../test/fixtures/ifstat/', import.meta.url).pathname;

// qdisc.bin: a captured RTM_GETQDISC dump; qdisc.tc.json: `tc -s -j qdisc show` of the same
// moment (capture.mjs keeps the pair only when tc printed the same before and after the dump).
const qdiscs = parseQdiscDump(readFileSync(FIX + 'qdisc.bin'));
const tc = JSON.parse(readFileSync(FIX + 'qdisc.tc.json', 'utf8')) as Array<Record<string, unknown>>;

test('qdisc dump: every qdisc and every counter equals what tc -s -j printed', () => {
  assert.equal(qdiscs.length, tc.length);
  const ifindexOf = new Map<string, number>();
  qdiscs.forEach((q, i) => {
    const t = tc[i]!;
    const dev = t.dev as string;
    // one ifindex per device name, the same for all its qdiscs
    assert.equal(ifindexOf.get(dev) ?? q.ifindex, q.ifindex, dev);
    ifindexOf.set(dev, q.ifindex);
    const parent = t.root ? 'root' : t.parent === 'ffff:fff1' ? 'ingress' : t.parent;
    assert.deepEqual(
      [q.kind, q.handle, q.parent, q.bytes, q.packets, q.drops, q.overlimits, q.requeues, q.backlog, q.qlen],
      [t.kind, t.handle, parent, t.bytes, t.packets, t.drops, t.overlimits, t.requeues, t.backlog, t.qlen], `${dev} ${q.handle}`);
  });
  assert.deepEqual(qdiscs.map((q) => q.kind).sort(), ['clsact', 'htb', 'mq', 'noqueue', 'tbf', 'tbf', 'tbf', 'tbf']);
});

test('qdisc dump: a tbf\'s rate, burst and limit are what tc printed (its latency is the limit\'s time less the burst\'s)', () => {
  let n = 0;
  qdiscs.forEach((q, i) => {
    const o = tc[i]!.options as { rate: number; burst: number; lat: number } | undefined;
    if (q.kind !== 'tbf') { assert.equal(q.tbf, undefined); return; }
    n++;
    assert.equal(q.tbf!.rate_Bps, o!.rate);
    assert.equal(q.tbf!.burst, o!.burst);
    // tc: lat = limit / rate - burst / rate, in µs
    assert.ok(Math.abs((q.tbf!.limit - q.tbf!.burst) / q.tbf!.rate_Bps * 1e6 - o!.lat) < 1, `lat ${o!.lat}, limit ${q.tbf!.limit}`);
  });
  assert.equal(n, 4);
});

test('qdisc dump: an interface\'s drops are its root\'s, which hold its children\'s (htb, mq)', () => {
  const byLink = qdiscsByLink(qdiscs);
  const dev = (kind: string, parent = 'root') => qdiscs.find((q) => q.kind === kind && q.parent === parent)!;
  // vx0: tbf root (its inner bfifo is not dumped) and clsact
  const tbf = byLink.get(dev('tbf').ifindex)!;
  assert.equal(tbf.root!.kind, 'tbf');
  assert.equal(tbf.ingress!.kind, 'clsact');
  assert.ok(tbf.root!.drops > 500, `tbf dropped ${tbf.root!.drops}`);
  // vx4: htb root, tbf child 10: dropped; the htb counts the same drops
  const htb = dev('htb');
  const child = qdiscs.find((q) => q.ifindex === htb.ifindex && q.parent === '1:1')!;
  assert.equal(child.kind, 'tbf');
  assert.ok(child.drops > 500);
  assert.equal(htb.drops, child.drops);
  assert.equal(byLink.get(htb.ifindex)!.root, htb);
  assert.equal(byLink.get(htb.ifindex)!.ingress, undefined);
  // vx6: mq reports the sum of its per-queue tbfs
  const mq = dev('mq');
  const kids = qdiscs.filter((q) => q.ifindex === mq.ifindex && q !== mq);
  assert.equal(kids.length, 2);
  for (const k of ['drops', 'overlimits', 'bytes', 'packets'] as const) {
    assert.equal(mq[k], kids.reduce((s, q) => s + q[k], 0), k);
  }
  assert.ok(mq.drops > 500);
  assert.equal(byLink.get(mq.ifindex)!.root, mq);
  // lo: noqueue, no counters
  assert.equal(byLink.get(dev('noqueue').ifindex)!.root!.drops, 0);
});

test('qdisc dump: a short tcmsg or a truncated dump is an error', () => {
  assert.throws(() => parseQdiscMessage(Buffer.alloc(8)), /decoding tcmsg: 8 bytes/);
  const bin = readFileSync(FIX + 'qdisc.bin');
  assert.throws(() => parseQdiscDump(bin.subarray(0, bin.length - 10)), /truncated/);
});
