import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { spawn, spawnSync } from 'node:child_process';
import { RateAverager, linkRates, parseUptime, type LinkSample } from './lib.js';
import { iec } from './cli.js';
import type { Qdisc } from '../../core/netlink/qdisc.js';
import { ipJsonStats } from '../../testlib/ip-oracle.js';
import { CLI_MAIN, runCli } from '../../testlib/cli.js';
import { kernelOpts, nodeEval, quietVethPair, track, type Netns, vethPair } from '../../testlib/kernel.js';
import { workload } from '../../testlib/traffic.js';

const sample = (over: Partial<LinkSample>, stats: Record<string, bigint>): LinkSample => ({
  ifindex: 3, name: 'eth9', operstate: 'up', duplex: 'full', stats, ...over,
});

test('linkRates: rates, average size, nicstat %Util for full and half duplex', () => {
  const prev = sample({ speedMbps: 1000 }, { rx_packets: 100n, tx_packets: 50n, rx_bytes: 10_000n, tx_bytes: 5_000n });
  const cur = sample({ speedMbps: 1000 }, { rx_packets: 1100n, tx_packets: 550n, rx_bytes: 25_010_000n, tx_bytes: 12_505_000n });
  const r = linkRates(prev, cur, 2);
  assert.equal(r.rx_pps, 500);
  assert.equal(r.tx_pps, 250);
  assert.equal(r.rx_avg, 25_000);
  assert.equal(r.rx_Bps, 12_500_000);
  // full duplex: max(rx, tx) = 12.5 MB/s * 8 / 1 Gbit/s = 10%
  assert.equal(r.util_pct, 10);
  const half = linkRates({ ...prev, duplex: 'half' }, { ...cur, duplex: 'half' }, 2);
  assert.equal(half.util_pct, 15); // (12.5 + 6.25) MB/s * 8 / 1 Gbit/s
  const capped = linkRates(prev, { ...cur, speedMbps: 10 }, 2);
  assert.equal(capped.util_pct, 100);
  const unknown = linkRates(prev, { ...cur, speedMbps: undefined }, 2);
  assert.equal(unknown.util_pct, undefined);
});

test('linkRates: Sat sums the counters nicstat sums; others are reported apart', () => {
  const z = { rx_errors: 0n, rx_dropped: 0n, rx_missed_errors: 0n, tx_dropped: 0n, tx_fifo_errors: 0n, collisions: 0n,
    tx_carrier_errors: 0n, tx_aborted_errors: 0n, tx_window_errors: 0n, tx_heartbeat_errors: 0n, rx_fifo_errors: 0n, rx_over_errors: 0n };
  const cur = { rx_errors: 1n, rx_dropped: 2n, rx_missed_errors: 4n, tx_dropped: 8n, tx_fifo_errors: 16n, collisions: 32n,
    tx_carrier_errors: 64n, tx_aborted_errors: 128n, tx_window_errors: 256n, tx_heartbeat_errors: 512n,
    rx_fifo_errors: 1024n, rx_over_errors: 2048n };
  const r = linkRates(sample({}, z), sample({}, cur), 1);
  assert.equal(r.sat, 1023); // everything but rx fifo/over (those are inside rx_errors already)
  assert.equal(r.rx_fifo, 1024);
  assert.equal(r.rx_over, 2048);
  assert.equal(r.rx_missed, 4);
  assert.equal(r.tx_carrier, 64);
});

test('linkRates: a counter that went backwards (device re-created) counts from zero', () => {
  const r = linkRates(sample({}, { rx_packets: 1000n }), sample({}, { rx_packets: 7n }), 1);
  assert.equal(r.delta.rx_packets, 7);
  const boot = linkRates(undefined, sample({}, { tx_packets: 600n }), parseUptime('300.5 100.0\n'));
  assert.equal(boot.tx_pps, 600 / 300.5);
});

const qd = (over: Partial<Qdisc>): Qdisc => ({
  ifindex: 3, handle: '8001:', parent: 'root', kind: 'tbf', bytes: 0, packets: 0, drops: 0, overlimits: 0, requeues: 0,
  qlen: 0, backlog: 0, ...over,
});

test('linkRates: qdisc drops are root + ingress; a new qdisc counts from zero; u32 counters wrap', () => {
  const at = (root: Qdisc, ingress?: Qdisc) => sample({ qdisc: { root, ...(ingress ? { ingress } : {}) } }, {});
  const ing = (drops: number) => qd({ kind: 'clsact', handle: 'ffff:', parent: 'ingress', drops });
  const r = linkRates(at(qd({ drops: 100, overlimits: 7, backlog: 0 }), ing(1)), at(qd({ drops: 400, overlimits: 9, backlog: 3000, qlen: 2 }), ing(5)), 2);
  assert.deepEqual(r.qdisc, { kind: 'tbf', drops: 304, ingress_drops: 4, overlimits: 2, requeues: 0, bytes: 0, packets: 0, backlog_bytes: 3000, qlen: 2 });
  assert.equal(r.qdisc_drops, 152);
  assert.equal(r.tx_dropped, 0); // the device's own counter is apart
  // replaced by another tbf (another handle): its counters are all of this interval
  assert.equal(linkRates(at(qd({ drops: 100 })), at(qd({ handle: '8002:', drops: 30 })), 1).qdisc!.drops, 30);
  // drops is a u32: 2^32 - 10 -> 5 is 15 more
  assert.equal(linkRates(at(qd({ drops: 2 ** 32 - 10 })), at(qd({ drops: 5 })), 1).qdisc!.drops, 15);
  // no qdisc (a down device): no qdisc figures, no drops
  const none = linkRates(sample({}, {}), sample({}, {}), 1);
  assert.equal(none.qdisc, undefined);
  assert.equal(none.qdisc_drops, 0);
});

test('RateAverager: sums of the intervals over their total seconds, as sar\'s Average', () => {
  const s0 = sample({ speedMbps: 1000, qdisc: { root: qd({}) } }, { tx_packets: 0n, tx_bytes: 0n });
  const s1 = sample({ speedMbps: 1000, qdisc: { root: qd({ drops: 10, backlog: 1000 }) } }, { tx_packets: 100n, tx_bytes: 100_000n });
  const s2 = sample({ speedMbps: 1000, qdisc: { root: qd({ drops: 40, backlog: 3000 }) } }, { tx_packets: 400n, tx_bytes: 400_000n });
  const avg = new RateAverager();
  avg.add([linkRates(s0, s1, 1)], 1);
  avg.add([linkRates(s1, s2, 3)], 3);
  const [a] = avg.rows();
  assert.equal(a!.seconds, 4);
  assert.equal(a!.tx_pps, 100);
  assert.equal(a!.tx_Bps, 100_000);
  assert.equal(a!.tx_avg, 1000);
  assert.equal(a!.qdisc_drops, 10);
  assert.equal(a!.qdisc!.drops, 40);
  assert.equal(a!.qdisc!.backlog_bytes, 2000); // mean of the gauges at the reports' ends
  assert.deepEqual(a!.delta, { tx_packets: 400, tx_bytes: 400_000 });
  assert.equal(a!.util_pct, 100_000 * 8 * 100 / 1e9);
});

test('iec: bytes with IEC prefixes, never a doubled unit', () => {
  assert.deepEqual([0, 0.4, 1023.4, 1023.6, 31_232, 102_350, 1_048_000, 9.5 * 2 ** 30].map(iec),
    ['0', '0', '1023', '1.0Ki', '30.5Ki', '100Ki', '1023Ki', '9.5Gi']);
});

// ---------------------------------------------------------------- kernel

const RTNL = new URL('../../core/netlink/rtnl.js', import.meta.url).pathname;
const MAIN = CLI_MAIN;

/** A UDP receiver in b on `port`; resolves once bound. Killed by testlib at the end. */
async function receiver(b: Netns, port: number) {
  const cp = b.spawn(process.execPath, ['-e', `const s = require('node:dgram').createSocket('udp4');
    s.on('message', () => {}); s.bind(${port}, '198.18.0.2', () => console.log('ready'));`]);
  await once(cp.stdout!, 'data');
  return cp;
}

function send(a: Netns, n: number, size: number, port: number): void {
  nodeEval(`import dgram from 'node:dgram'; const s = dgram.createSocket('udp4'); let i = 0;
    const go = () => s.send(Buffer.alloc(${size}), ${port}, '198.18.0.2', () => (++i < ${n} ? go() : s.close())); go();`, a);
}

function stats(ns: Netns, dev: string): Record<string, number> {
  const out = nodeEval(`import { dumpLinks } from '${RTNL}';
    const l = dumpLinks().find((x) => x.name === '${dev}');
    process.stdout.write(JSON.stringify(l.stats, (k, v) => typeof v === 'bigint' ? Number(v) : v));`, ns);
  return JSON.parse(out);
}

const diff = (p: Record<string, number>, c: Record<string, number>) =>
  Object.fromEntries(Object.keys(c).filter((k) => c[k] !== p[k]).map((k) => [k, c[k]! - p[k]!]));

test('kernel: N datagrams over a veth move exactly N packets and N*(size+42) bytes on both ends', kernelOpts(), async () => {
  const { a, b, ifA, ifB } = quietVethPair();
  const port = 40000 + (process.pid % 20000);
  await receiver(b, port);
  const a0 = stats(a, ifA), b0 = stats(b, ifB);
  const N = 37, SIZE = 300;
  send(a, N, SIZE, port);
  const a1 = stats(a, ifA), b1 = stats(b, ifB);
  const wire = SIZE + 8 + 20 + 14; // UDP + IPv4 + Ethernet headers, as veth counts them
  assert.deepEqual(diff(a0, a1), { tx_packets: N, tx_bytes: N * wire });
  assert.deepEqual(diff(b0, b1), { rx_packets: N, rx_bytes: N * wire });
});

test('kernel: every counter of an idle namespace equals ip -s -s -j link', kernelOpts(), () => {
  const { a } = quietVethPair();
  const out = nodeEval(`import { dumpLinks } from '${RTNL}';
    process.stdout.write(JSON.stringify(dumpLinks(), (k, v) => typeof v === 'bigint' ? Number(v) : v));`, a);
  const ip = ipJsonStats(a.exec('ip', ['-s', '-s', '-j', 'link', 'show']));
  const links = JSON.parse(out) as Array<{ name: string; stats: Record<string, number> }>;
  assert.deepEqual(links.map((l) => l.name).sort(), [...ip.keys()].sort());
  let n = 0;
  for (const l of links) {
    for (const [k, v] of Object.entries(ip.get(l.name)!)) { assert.equal(l.stats[k], v, `${l.name} ${k}`); n++; }
  }
  assert.ok(n >= 2 * 21);
});

test('kernel: netdx ifstat --json in the namespace reports the datagrams of its interval', kernelOpts(), async () => {
  const { a, b, ifA } = quietVethPair();
  const port = 40000 + ((process.pid + 1) % 20000);
  await receiver(b, port);
  // Two 1.5 s intervals; the datagrams go at 1.5 s, inside [first sample, last sample] as long
  // as the CLI starts within 1.5 s. Their sum must be exact; each line's rates match its delta.
  const cli = a.spawn(process.execPath, [MAIN, 'ifstat', '--json', '-i', '1.5', '-c', '2', ifA]);
  let stdout = '';
  cli.stdout!.on('data', (d) => { stdout += d; });
  await new Promise((r) => setTimeout(r, 1500));
  send(a, 20, 1000, port);
  const [code] = await once(cli, 'exit');
  assert.equal(code, 0);
  const lines = stdout.trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(lines.length, 2);
  const sum = (k: string) => lines.reduce((t, l) => t + l.delta[k], 0);
  assert.equal(sum('tx_packets'), 20);
  assert.equal(sum('tx_bytes'), 20 * 1042);
  assert.equal(sum('rx_packets'), 0);
  const r = lines.find((l) => l.delta.tx_packets > 0);
  assert.equal(r.name, ifA);
  assert.equal(r.kind, 'veth');
  assert.equal(r.tx_avg, 1042);
  assert.ok(Math.abs(r.tx_pps - r.delta.tx_packets / r.seconds) < 1e-9);
  assert.equal(r.speed_mbps, 10000); // veth reports 10 Gbit/s full duplex
  assert.ok(r.util_pct > 0 && r.util_pct < 0.01);
  assert.equal(r.sat, 0);
});

test('kernel: bad input is one line and a non-zero exit', kernelOpts(), () => {
  const { a } = quietVethPair();
  const run = (args: string[]) => { const r = runCli(a, args); return { code: r.code, err: r.err }; };
  const nf = run(['ifstat', '-i', '0.1', 'nosuch0']);
  assert.deepEqual(nf, { code: 1, err: 'netdx: reading interface nosuch0: no such interface' });
  for (const bad of [['-i', '0'], ['-i', 'x'], ['-c', 'x'], ['-a', '-c', '2']]) {
    const r = run(['ifstat', ...bad]);
    assert.equal(r.code, 1, bad.join(' '));
    assert.equal(r.err.split('\n').length, 1);
  }
});

test('kernel: speed and duplex from the device itself: with --netns from outside, and under nsenter (no /sys of its own)', kernelOpts(), () => {
  const { a } = vethPair();
  // the oracle: ethtool in the namespace (veth reports 10000Mb/s, full duplex)
  const eth = a.exec('ethtool', ['vx0']);
  const speed = Number(/Speed: (\d+)Mb\/s/.exec(eth)?.[1]);
  assert.ok(speed > 0, eth);
  const pick = (out: string) => out.trim().split('\n').map((l) => JSON.parse(l) as { name: string; speed_mbps?: number; duplex?: string })
    .find((r) => r.name === 'vx0');
  const outside = spawnSync(process.execPath, [CLI_MAIN, 'ifstat', '--json', '-i', '0.2', '--netns', a.name], { encoding: 'utf8' });
  assert.equal(outside.status, 0, outside.stderr);
  assert.deepEqual([pick(outside.stdout)?.speed_mbps, pick(outside.stdout)?.duplex], [speed, 'full']);
  // nsenter --net keeps the host's /sys: sysfs would name the host's devices, the ioctl does not
  const entered = spawnSync('nsenter', [`--net=/run/netns/${a.name}`, process.execPath, CLI_MAIN, 'ifstat', '--json', '-i', '0.2'], { encoding: 'utf8' });
  assert.equal(entered.status, 0, entered.stderr);
  assert.deepEqual([pick(entered.stdout)?.speed_mbps, pick(entered.stdout)?.duplex], [speed, 'full']);
});

/** `tc -s -j qdisc show dev DEV` in ns, keyed by handle. */
function tcQdiscs(ns: Netns, dev: string): Map<string, Record<string, number | string>> {
  const j = JSON.parse(ns.exec('tc', ['-s', '-j', 'qdisc', 'show', 'dev', dev])) as Array<Record<string, number | string>>;
  return new Map(j.map((q) => [q.handle as string, q]));
}

const QDISC = new URL('../../core/netlink/qdisc.js', import.meta.url).pathname;

test('kernel: a tbf\'s drops, which the device\'s tx_dropped never counts, are in ifstat as tc -s counts them', kernelOpts(), async () => {
  const { a, ifA } = quietVethPair();
  a.exec('tc', ['qdisc', 'add', 'dev', ifA, 'root', 'tbf', 'rate', '1mbit', 'burst', '5kb', 'latency', '1ms']);
  const before = tcQdiscs(a, ifA);
  assert.equal(before.size, 1);
  const [handle, tbf0] = [...before][0]!;
  // From outside with --netns; the burst goes after the first report, so all of it is inside
  // the three reports: their qdisc drops must sum to tc's exactly.
  const cli = track(spawn(process.execPath, [MAIN, 'ifstat', '--netns', a.name, '--json', '-i', '0.5', '-c', '3', ifA]));
  let stdout = '';
  let stderr = '';
  cli.stderr!.on('data', (d) => { stderr += d; });
  await new Promise<void>((resolve) => cli.stdout!.on('data', (d) => { stdout += d; if (stdout.includes('\n')) resolve(); }));
  const send = workload(a, 'udp-send', '--host', '198.18.0.2', '--port', '9', '--count', '3000', '--size', '1000');
  const sent = await send.done();
  const [code] = await once(cli, 'exit');
  assert.equal(code, 0, stderr);
  const after = tcQdiscs(a, ifA).get(handle)!;
  const tcDrops = (after.drops as number) - (tbf0.drops as number);
  assert.ok(tcDrops > 1000, `tc saw ${tcDrops} drops of ${sent.sent} datagrams`);
  const lines = stdout.trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(lines.length, 3);
  const sum = (f: (l: any) => number) => lines.reduce((t, l) => t + f(l), 0);
  assert.equal(sum((l) => l.qdisc.drops), tcDrops);
  assert.equal(sum((l) => l.qdisc.overlimits), (after.overlimits as number) - (tbf0.overlimits as number));
  assert.equal(sum((l) => l.qdisc.packets), (after.packets as number) - (tbf0.packets as number));
  assert.equal(sum((l) => l.delta.tx_dropped), 0); // the bug this column is for
  // what the tbf sent is what the device sent (no ARP: static neighbours)
  assert.equal(sum((l) => l.qdisc.packets), sum((l) => l.delta.tx_packets));
  for (const l of lines) {
    assert.equal(l.qdisc.kind, 'tbf');
    assert.ok(Math.abs(l.qdisc_drops - l.qdisc.drops / l.seconds) < 1e-9);
  }
  // the library, against tc at the same moment (nothing moves now)
  const lib = JSON.parse(nodeEval(`import { dumpQdiscs } from '${QDISC}';
    process.stdout.write(JSON.stringify(dumpQdiscs().filter((q) => q.kind === 'tbf')));`, a)) as Qdisc[];
  const now = tcQdiscs(a, ifA).get(handle)!;
  assert.equal(lib.length, 1);
  assert.deepEqual([lib[0]!.handle, lib[0]!.parent, lib[0]!.drops, lib[0]!.overlimits, lib[0]!.requeues, lib[0]!.bytes, lib[0]!.packets, lib[0]!.backlog, lib[0]!.qlen],
    [now.handle, 'root', now.drops, now.overlimits, now.requeues, now.bytes, now.packets, now.backlog, now.qlen]);
});

test('kernel: -c 0 runs until Ctrl-C, then prints the Average; each row has its time; 100 columns', kernelOpts(), async () => {
  const { a } = quietVethPair();
  // the longest name an interface can have (15), for the width
  a.exec('ip', ['link', 'add', 'abcdefghijklmno', 'type', 'veth', 'peer', 'name', 'p15']);
  const cli = track(spawn(process.execPath, [MAIN, 'ifstat', '--netns', a.name, '-i', '0.3', '-c', '0']));
  let stdout = '';
  const rowRe = /^\d\d:\d\d:\d\d vx0 /gm;
  await new Promise<void>((resolve) => cli.stdout!.on('data', (d) => { stdout += d; if ((stdout.match(rowRe) ?? []).length >= 3) resolve(); }));
  cli.kill('SIGINT');
  const [code] = await once(cli, 'exit');
  assert.equal(code, 0);
  const blocks = stdout.trimEnd().split('\n\n');
  assert.ok(blocks.length >= 4, stdout);
  const names = ['lo', 'abcdefghijklmno', 'p15', 'vx0'];
  for (const [i, b] of blocks.entries()) {
    const [header, ...rows] = b.split('\n');
    assert.match(header!, /^TIME +IFACE +rxPk\/s +txPk\/s +rxB\/s +txB\/s .* QDrop\/s$/);
    const time = i === blocks.length - 1 ? /^Average:$/ : /^\d\d:\d\d:\d\d$/;
    assert.deepEqual(rows.map((r) => r.split(/ +/)[1]).sort(), names.sort(), b);
    for (const r of rows) assert.match(r.split(' ')[0]!, time);
  }
  const wide = stdout.split('\n').filter((l) => l.length > 100);
  assert.deepEqual(wide, []);
});
