// Kernel tests for ipecn: UDP datagrams with each ECN codepoint set (IP_TOS, IPV6_TCLASS) sent
// over a veth from one namespace to another the test makes, against the receiving namespace's
// own IpExtIn{NoECT,ECT1,ECT0,CE}Pkts and Ip6In*Pkts counters.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kernelOpts, vethPair, type Netns } from '../../testlib/kernel.js';
import { assertUsageErrors, startTracing } from '../../testlib/cli.js';
import { workload } from '../../testlib/traffic.js';
import { netnsInode } from '../../core/kit/filter.js';
import { parseSnmp6, parseSnmpTable } from '../../core/proc/snmp.js';
import { startIpEcn, type IpEcnDevice, type IpEcnReport, type IpEcnVia } from './lib.js';

const CODEPOINTS = ['not_ect', 'ect1', 'ect0', 'ce'] as const;
type Counts = Record<(typeof CODEPOINTS)[number], number>;

/** The namespace's received packets by codepoint, IPv4 and IPv6. */
function counters(ns: Netns): { v4: Counts; v6: Counts } {
  const v4 = parseSnmpTable(ns.exec('cat', ['/proc/net/netstat']), '/proc/net/netstat');
  const v6 = parseSnmp6(ns.exec('cat', ['/proc/net/snmp6']));
  const pick = (m: Map<string, bigint>, p: string): Counts => ({
    not_ect: Number(m.get(`${p}NoECTPkts`) ?? 0n), ect1: Number(m.get(`${p}ECT1Pkts`) ?? 0n),
    ect0: Number(m.get(`${p}ECT0Pkts`) ?? 0n), ce: Number(m.get(`${p}CEPkts`) ?? 0n),
  });
  return { v4: pick(v4, 'IpExtIn'), v6: pick(v6, 'Ip6In') };
}

const minus = (x: Counts, y: Counts): Counts => ({ not_ect: x.not_ect - y.not_ect, ect1: x.ect1 - y.ect1, ect0: x.ect0 - y.ect0, ce: x.ce - y.ce });
const countsOf = (d: IpEcnDevice | undefined): Counts => ({ not_ect: d?.not_ect ?? 0, ect1: d?.ect1 ?? 0, ect0: d?.ect0 ?? 0, ce: d?.ce ?? 0 });

/** From a to b: `n[i]` datagrams with codepoint i, to host (every one sent). */
async function send(a: Netns, host: string, n: readonly number[]): Promise<void> {
  // IPv6 on a veth just set up: its carrier comes a moment later, and a datagram sent before the
  // neighbour answers waits for the solicitation's retry (1 s). One Not-ECT datagram first, until
  // the neighbour is known.
  for (let t = 0; host.includes(':') && t < 60; t++) {
    if (t % 20 === 0) await workload(a, 'udp-send', '--host', host, '--port', '9', '--count', '1', '--tos', '0').done();
    if (/REACHABLE|STALE|DELAY|PROBE/.test(a.exec('ip', ['-6', 'neigh', 'show', host]))) break;
    await sleep(50);
  }
  for (let ecn = 0; ecn < 4; ecn++) {
    // a DSCP in the upper bits too: only the low two bits are ECN
    const d = await workload(a, 'udp-send', '--host', host, '--port', '9', '--count', String(n[ecn]), '--size', '64', '--tos', String(0x20 | ecn)).done();
    assert.equal(d.sent, n[ecn], `${host}: every datagram sent`);
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

for (const via of ['raw_tp', 'tracepoint', 'tp_btf'] as const satisfies readonly IpEcnVia[]) {
test(`codepoints 5/7/11/13 (IPv4) and 3/4/6/8 (IPv6) against the receiver's IpExtIn*Pkts and Ip6In*Pkts (${via})`, kernelOpts(), async () => {
  const { a, b } = vethPair();
  const pre = counters(b);
  const probe = startIpEcn({ netns: netnsInode(b.name) }, { via });
  const only4 = startIpEcn({ netns: netnsInode(b.name), family: 4 });
  assert.equal(probe.via, via);
  let r: IpEcnReport, r4: IpEcnReport;
  try {
    await send(a, '198.18.0.2', [5, 7, 11, 13]);
    await send(a, 'fd00::2', [3, 4, 6, 8]);
    r = probe.sample();
    r4 = only4.sample();
  } finally {
    probe.stop();
    only4.stop();
  }
  const d = minus(counters(b).v4, pre.v4);
  const d6 = minus(counters(b).v6, pre.v6);
  assert.ok(r.devices.every((x) => x.netns === netnsInode(b.name) && x.dev === 'vx1'), JSON.stringify(r.devices));
  const v4 = r.devices.find((x) => x.family === 4);
  const v6 = r.devices.find((x) => x.family === 6);
  // nothing else IPv4 reaches b (its ICMP errors go to a): exact
  assert.deepEqual(countsOf(v4), { not_ect: 5, ect1: 7, ect0: 11, ce: 13 });
  assert.deepEqual(countsOf(v4), d, 'IpExtIn*Pkts');
  assert.equal(v4!.skbs, 36, 'no GRO on this veth: one skb a packet');
  // IPv6: neighbour discovery and MLD come and go (Not-ECT); the marked codepoints are ours alone
  assert.deepEqual([v6!.ect1, v6!.ect0, v6!.ce], [4, 6, 8]);
  assert.deepEqual([v6!.ect1, v6!.ect0, v6!.ce], [d6.ect1, d6.ect0, d6.ce], 'Ip6In*Pkts');
  assert.ok(v6!.not_ect >= 3 && v6!.not_ect <= d6.not_ect, `Not-ECT ${v6!.not_ect}: ours 3, Ip6InNoECTPkts +${d6.not_ect} over a longer window`);
  assert.deepEqual(r.ce_flows.map((f) => [f.family, f.saddr, f.daddr, f.proto, f.ce]), [[6, 'fd00::1', 'fd00::2', 17, 8], [4, '198.18.0.1', '198.18.0.2', 17, 13]].sort((x, y) => (y[4] as number) - (x[4] as number)));
  assert.deepEqual(r4.devices.map((x) => x.family), [4], '-4: IPv4 only');
  assert.deepEqual(probe.lost(), { full: 0, refused: 0, untracked: 0 });
});
}

test('GRO on the veth: a merged packet counts its segments, as IpExtInNoECTPkts does', kernelOpts(), async () => {
  const { a, b } = vethPair();
  b.exec('ethtool', ['-K', 'vx1', 'gro', 'on']);
  const pre = counters(b).v4;
  const probe = startIpEcn({ netns: netnsInode(b.name), family: 4 });
  let r: IpEcnReport;
  try {
    const l = workload(b, 'listen', '--host', '198.18.0.2', '--read', '--hold', '2500');
    const port = (await l.wait('listening')).port as number;
    await workload(a, 'connect', '--host', '198.18.0.2', '--port', String(port), '--send', '20000000', '--hold', '2000').done();
    assert.equal((await l.done()).read, 20000000);
    r = probe.sample();
  } finally {
    probe.stop();
  }
  const d = minus(counters(b).v4, pre);
  assert.equal(r.devices.length, 1);
  const x = r.devices[0]!;
  assert.deepEqual(countsOf(x), d, 'IpExtIn*Pkts, segment for segment');
  assert.ok(x.not_ect > 13000, `20 MB in ~1448-byte segments: ${x.not_ect}`);
  assert.ok(x.skbs < x.not_ect / 4, `GRO merged them: ${x.skbs} skbs for ${x.not_ect} segments`);
});

test('CLI: -i 1 -d 2.5 --json sums to the answer; the table within 100 columns; bad input', kernelOpts(), async () => {
  const { a, b } = vethPair();
  const t = await startTracing('ipecn', ['--netns', b.name, '-4', '-i', '1', '-d', '2.5', '--json']);
  const closed = new Promise<number | null>((r) => t.cp.on('close', r));
  await send(a, '198.18.0.2', [1, 2, 3, 4]);
  assert.equal(await closed, 0, t.err.join('\n'));
  assert.equal(t.out.length, 3, t.out.join('\n'));
  const objs = t.out.map((l) => JSON.parse(l) as { ts: string; interval_s: number; devices: IpEcnDevice[] });
  for (const o of objs) assert.deepEqual(Object.keys(o), ['ts', 'interval_s', 'devices', 'ce_flows']);
  const sum: Counts = { not_ect: 0, ect1: 0, ect0: 0, ce: 0 };
  for (const x of objs.flatMap((o) => o.devices)) for (const c of CODEPOINTS) sum[c] += x[c];
  assert.deepEqual(sum, { not_ect: 1, ect1: 2, ect0: 3, ce: 4 });

  const text = await startTracing('ipecn', ['--netns', b.name, '-d', '1.5']);
  const done = new Promise<number | null>((r) => text.cp.on('close', r));
  await send(a, '198.18.0.2', [0, 0, 0, 2]);
  assert.equal(await done, 0);
  assert.match(text.out[0]!, /^NETNS +DEV +IP +PACKETS +NOT_ECT +ECT1 +ECT0 +CE +CE%$/);
  assert.ok(text.out.some((l) => new RegExp(`^${netnsInode(b.name)} +vx1 +4 +2 +0 +0 +0 +2 +100\\.0$`).test(l)), text.out.join('\n'));
  assert.ok(text.out.includes('CE-marked packets by flow:'));
  assert.ok(text.out.some((l) => /^198\.18\.0\.1 +198\.18\.0\.2 +udp +2$/.test(l)), text.out.join('\n'));
  assert.ok(text.out.every((l) => [...l].length <= 100));

  assertUsageErrors('ipecn', [['-4', '-6'], ['--netns', 'no-such-ns-here'], ['-p', '1'], ['-L', '80'], ['--top', '-1'], ['-c', '2'], ['-i', '0']]);
});
