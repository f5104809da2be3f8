import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { LINK_STATS64_FIELDS, parseLinkDump, parseLinkMessage, parseLinkSpeed, parseStats64, xdpPrograms } from './rtnl.js';
import { encodeAttr } from './netlink.js';
import { ipJsonStats } from '../../testlib/ip-oracle.js';

const FIX = new URL('../../../test/fixtures/ifstat/', import.meta.url).pathname;
const fixture = (f: string) => readFileSync(FIX + f);

test('netns dump: names, kinds, queues, state match ip -d -j link', () => {
  const links = parseLinkDump(fixture('netns.bin'));
  const ip = JSON.parse(fixture('netns.ip.json').toString()) as Array<Record<string, unknown>>;
  assert.deepEqual(links.map((l) => l.name), ip.map((l) => l.ifname));
  for (const l of links) {
    const o = ip.find((x) => x.ifname === l.name)!;
    assert.equal(l.ifindex, o.ifindex);
    assert.equal(l.mtu, o.mtu);
    assert.equal(l.qdisc, o.qdisc);
    assert.equal(l.txqlen, o.txqlen);
    assert.equal(l.operstate.toUpperCase(), o.operstate);
    assert.equal(l.numTxQueues, o.num_tx_queues);
    assert.equal(l.numRxQueues, o.num_rx_queues);
    assert.equal(l.address, o.address);
    assert.equal(l.kind, (o.linkinfo as { info_kind?: string } | undefined)?.info_kind);
  }
  const vx0 = links.find((l) => l.name === 'vx0')!;
  assert.equal(vx0.kind, 'veth');
  assert.equal(vx0.up, true);
  assert.equal(links.find((l) => l.name === 'br0')!.kind, 'bridge');
  const vx2 = links.find((l) => l.name === 'vx2')!;
  assert.equal(vx2.slaveKind, 'bridge');
  assert.equal(vx2.master, links.find((l) => l.name === 'br0')!.ifindex);
});

test('netns dump: every stats64 counter equals what ip -s -s -j printed', () => {
  const links = parseLinkDump(fixture('netns.bin'));
  const ip = ipJsonStats(fixture('netns.ip.json').toString());
  let compared = 0;
  for (const l of links) {
    const want = ip.get(l.name)!;
    for (const [k, v] of Object.entries(want)) {
      assert.equal(l.stats![k as keyof typeof want], BigInt(v), `${l.name} ${k}`);
      compared++;
    }
    // this kernel's struct is complete (25 fields)
    assert.equal(Object.keys(l.stats!).length, LINK_STATS64_FIELDS.length);
  }
  assert.ok(compared >= 5 * 21, `compared ${compared} counters`);
  // the capture sent 5 UDP datagrams (plus ARP) out of vx0: at least 5 packets of 142 bytes
  const vx0 = links.find((l) => l.name === 'vx0')!;
  assert.ok(vx0.stats!.tx_packets! >= 5n && vx0.stats!.tx_bytes! >= 5n * 142n);
});

test('host dump parses: lo is loopback type 772 with no kind', () => {
  const links = parseLinkDump(fixture('host.bin'));
  const lo = links.find((l) => l.name === 'lo')!;
  assert.equal(lo.type, 772);
  assert.equal(lo.ifindex, 1);
  assert.equal(lo.kind, undefined);
  assert.ok(links.length >= 2);
  assert.ok(links.every((l) => l.name.length > 0 && l.stats !== undefined));
});

test('older kernels: a shorter stats64 yields only the fields it carries', () => {
  const full = Buffer.alloc(25 * 8);
  for (let i = 0; i < 25; i++) full.writeBigUInt64LE(BigInt(i + 1), i * 8);
  const s23 = parseStats64(full.subarray(0, 23 * 8)); // before rx_nohandler (4.6)
  assert.equal(Object.keys(s23).length, 23);
  assert.equal(s23.tx_compressed, 23n);
  assert.equal(s23.rx_nohandler, undefined);
  const s24 = parseStats64(full.subarray(0, 24 * 8)); // before rx_otherhost_dropped (5.19)
  assert.equal(s24.rx_nohandler, 24n);
  assert.equal(s24.rx_otherhost_dropped, undefined);
  // and inside a message: ifinfomsg + IFLA_IFNAME + IFLA_STATS64(23 fields)
  const hdr = Buffer.alloc(16);
  hdr.writeInt32LE(7, 4);
  const body = Buffer.concat([hdr, encodeAttr(3, Buffer.from('old0\0')), encodeAttr(23, full.subarray(0, 184))]);
  const l = parseLinkMessage(body);
  assert.equal(l.name, 'old0');
  assert.equal(l.ifindex, 7);
  assert.equal(l.stats!.rx_packets, 1n);
  assert.equal(l.stats!.rx_nohandler, undefined);
});

test('a truncated message is an error, not half a link', () => {
  const bin = fixture('netns.bin');
  assert.throws(() => parseLinkDump(bin.subarray(0, bin.length - 10)), /truncated/);
  assert.throws(() => parseLinkMessage(Buffer.alloc(8)), /shorter than ifinfomsg/);
});

test('link speed from sysfs text: -1 and unreadable mean unknown', () => {
  assert.deepEqual(parseLinkSpeed('10000\n', 'full\n'), { speedMbps: 10000, duplex: 'full' });
  assert.deepEqual(parseLinkSpeed('-1\n', 'unknown\n'), { duplex: 'unknown' });
  assert.deepEqual(parseLinkSpeed(undefined, undefined), { duplex: 'unknown' });
  assert.deepEqual(parseLinkSpeed('100', 'half'), { speedMbps: 100, duplex: 'half' });
});

test('IFLA_XDP: modes and program ids of a captured dump match ip -d -j link (test/fixtures/xdp)', () => {
  const dir = new URL('../../../test/fixtures/xdp/', import.meta.url).pathname;
  const links = parseLinkDump(readFileSync(dir + 'links.bin'));
  const ip = JSON.parse(readFileSync(dir + 'links.ip.json', 'utf8')) as Array<{ ifname: string; xdp?: { mode: number; prog?: { id: number } } }>;
  assert.deepEqual(links.map((l) => l.name), ['lo', 'vq1', 'vq0']);
  const modes = ['none', 'driver', 'generic', 'offload', 'multi'];
  for (const l of links) {
    const o = ip.find((x) => x.ifname === l.name)!;
    assert.equal(l.xdp?.mode, modes[o.xdp?.mode ?? 0], l.name);
    assert.equal(l.xdp?.progId, o.xdp?.prog?.id, l.name);
    assert.deepEqual(xdpPrograms(l.xdp), o.xdp ? [{ mode: modes[o.xdp.mode], progId: o.xdp.prog!.id }] : []);
  }
  assert.deepEqual(links.map((l) => l.xdp?.mode), ['none', 'driver', 'generic']);
  // the kernel reports the id per mode too (IFLA_XDP_DRV_PROG_ID, IFLA_XDP_SKB_PROG_ID)
  assert.deepEqual(links.slice(1).map((l) => [l.xdp?.driverProgId, l.xdp?.genericProgId]),
    [[links[1]!.xdp!.progId, undefined], [undefined, links[2]!.xdp!.progId]]);
});
