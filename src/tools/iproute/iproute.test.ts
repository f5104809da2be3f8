// Kernel tests for iproute, in namespaces the test makes (a and b joined by a veth): sends from a
// to a destination it has no route to (the application gets ENETUNREACH; the oracle is a's
// IpOutNoRoutes), and to an on-link address nobody answers ARP for (the neighbour goes FAILED and
// every packet queued for it is dropped with NEIGH_FAILED: the application's count of datagrams
// sent, and `ip neigh`'s FAILED state).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kernelOpts, vethPair, type Netns } from '../../testlib/kernel.js';
import { assertUsageErrors, startTracing } from '../../testlib/cli.js';
import { counterDelta, nsCounters, workload, type Workload, type WorkloadEvent } from '../../testlib/traffic.js';
import { sampleAround } from '../../testlib/probes.js';
import { netnsInode } from '../../core/kit/filter.js';
import { startIpRoute, type IpRouteFailure, type IpRouteReport, type IpRouteVia } from './lib.js';

const NOWHERE = '203.0.113.5';
const SILENT = '198.18.0.9';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Two namespaces; a asks for ARP 3 times 200 ms apart (not 1 s), so a neighbour fails fast. */
function pair() {
  const p = vethPair();
  p.a.exec('sysctl', ['-qw', 'net.ipv4.neigh.vx0.retrans_time_ms=200']);
  return p;
}

/** 4 TCP connects and 5 UDP datagrams to an address a has no route to. */
async function noRoute(a: Netns) {
  const tcp = workload(a, 'connect', '--host', NOWHERE, '--port', '80', '--count', '4');
  await tcp.done();
  assert.deepEqual(tcp.all('connect').map((c) => c.result), Array(4).fill('ENETUNREACH'), 'the application got ENETUNREACH');
  const udp = await workload(a, 'udp-send', '--host', NOWHERE, '--port', '9', '--count', '5', '--size', '64').done();
  return { tcp, udp };
}

/** 6 datagrams to an on-link address nobody has; returns once a's neighbour entry is FAILED. */
async function silent(a: Netns): Promise<number> {
  const s = await workload(a, 'udp-send', '--host', SILENT, '--port', '9', '--count', '6', '--size', '64').done();
  for (let i = 0; i < 100 && !/FAILED/.test(a.exec('ip', ['neigh', 'show', SILENT])); i++) await sleep(100);
  assert.match(a.exec('ip', ['neigh', 'show', SILENT]), /FAILED/);
  await sleep(100);
  return s.sent as number;
}

const only = (r: IpRouteReport, kind: string, daddr: string) => r.failures.filter((f) => f.kind === kind && f.daddr === daddr);

for (const via of ['raw_tp', 'tracepoint', 'tp_btf'] as const satisfies readonly IpRouteVia[]) {
  test(`no route: lookups = IpOutNoRoutes, by process; ARP unanswered: NEIGH_FAILED drops = datagrams sent, the neighbour FAILED (${via})`, kernelOpts(), async () => {
    const { a } = pair();
    const netns = netnsInode(a.name);
    const before = nsCounters(a);
    const { reports: [r, dev, other, six], app, vias, lost } = await sampleAround<IpRouteReport, { tcp: Workload; udp: WorkloadEvent; sent: number }>([
      () => startIpRoute({ netns }, { via }),
      () => startIpRoute({ netns }, { interface: 'vx0' }),
      () => startIpRoute({ netns, pid: process.pid }),
      () => startIpRoute({ netns, family: 6 }),
    ], async () => ({ ...(await noRoute(a)), sent: await silent(a) }));
    const { tcp, udp, sent } = app;
    assert.equal(vias[0], via);
    assert.deepEqual(lost[0], { full: 0, refused: 0, untracked: 0 });
    const noRoutes = counterDelta(a, before, ['IpOutNoRoutes']).IpOutNoRoutes;
    assert.equal(udp.sent, 0, 'no datagram left');
    assert.equal(noRoutes, 9, '4 connects and 5 datagrams');

    const lookups = only(r!, 'no_route', NOWHERE);
    assert.deepEqual(lookups.map((f) => [f.pid, f.comm, f.count, f.detail, f.table, f.family, f.dev, f.netns]).sort(), [
      [tcp.pid, 'python3', 4, 'ENETUNREACH', 254, 4, '', netns], [udp.pid, 'python3', 5, 'ENETUNREACH', 254, 4, '', netns],
    ].sort());
    assert.equal(lookups.reduce((n, f) => n + f.count, 0), noRoutes, 'IpOutNoRoutes');

    assert.equal(sent, 6);
    const dropped = only(r!, 'drop', SILENT);
    assert.deepEqual(dropped.map((f) => [f.detail, f.count, f.dev, f.netns, f.pid]), [['NEIGH_FAILED', sent, 'vx0', netns, 0]]);
    const failed = only(r!, 'neigh_failed', SILENT);
    assert.deepEqual(failed.map((f) => [f.count, f.dev, f.family, f.netns]), [[1, 'vx0', 4, netns]]);
    assert.ok(r!.failures.every((f) => f.netns === netns));
    assert.deepEqual(r!.failures.map((f) => f.count), [...r!.failures.map((f) => f.count)].sort((x, y) => y - x), 'most first');

    assert.deepEqual(dev!.failures.map((f) => [f.kind, f.daddr, f.count]).sort(), [['drop', SILENT, 6], ['neigh_failed', SILENT, 1]].sort(), '-I vx0: no lookups');
    assert.deepEqual(other!.failures, [], '-p: this process looked up nothing');
    assert.deepEqual(six!.failures.filter((f) => f.daddr === NOWHERE || f.daddr === SILENT), [], '-6');
  });
}

test('IPv6 no route: lookups in the main table = Ip6OutNoRoutes (a bound source: one lookup a send)', kernelOpts(), async () => {
  const { a } = pair();
  const netns = netnsInode(a.name);
  const before = nsCounters(a);
  const { reports: [r, v4], app } = await sampleAround<IpRouteReport, WorkloadEvent>([
    () => startIpRoute({ netns, family: 6 }),
    () => startIpRoute({ netns, family: 4 }),
  ], () => workload(a, 'udp-send', '--bind', 'fd00::1', '--host', 'fd01::5', '--port', '9', '--count', '3', '--size', '64').done());
  assert.equal(app.sent, 0);
  const d = counterDelta(a, before, ['Ip6OutNoRoutes']).Ip6OutNoRoutes;
  assert.equal(d, 3);
  assert.deepEqual(only(r!, 'no_route', 'fd01::5').map((f) => [f.count, f.detail, f.table, f.family, f.pid, f.netns]),
    [[d, 'EHOSTUNREACH', 254, 6, app.pid, netns]]);
  assert.deepEqual(v4!.failures.filter((f) => f.kind === 'no_route'), [], '-4');
});

test('a connection whose route goes away: every segment TCP could not send is an IP_OUTNOROUTES drop (= IpOutNoRoutes)', kernelOpts(), async () => {
  const { a, b } = pair();
  const l = workload(b, 'listen', '--host', '198.18.0.2', '--read', '--hold', '10000');
  const port = (await l.wait('listening')).port as number;
  const before = nsCounters(a);
  const { reports: [r] } = await sampleAround<IpRouteReport, void>([() => startIpRoute({ netns: netnsInode(a.name) })], async () => {
    const c = workload(a, 'connect', '--host', '198.18.0.2', '--port', String(port), '--hold', '1000');
    await c.wait('connect');
    a.exec('ip', ['route', 'del', '198.18.0.0/24', 'dev', 'vx0']);
    await c.done(); // its close() sent a FIN that found no route; TCP retries it on its timer
    await sleep(800);
    // the route back: nothing can fail any more, the counter is final
    a.exec('ip', ['route', 'add', '198.18.0.0/24', 'dev', 'vx0', 'scope', 'link', 'src', '198.18.0.1']);
  });
  const d = counterDelta(a, before, ['IpOutNoRoutes']).IpOutNoRoutes!;
  assert.ok(d >= 2, `the FIN and at least one retransmit failed: ${d}`);
  const drops = only(r!, 'drop', '198.18.0.2');
  assert.deepEqual(drops.map((f) => f.detail), ['IP_OUTNOROUTES']);
  assert.equal(drops[0]!.count, d, 'IpOutNoRoutes');
  // the close() ran in the process: its lookup is there; the timer's ran in softirq, in whatever
  // task the CPU was running
  const lookups = only(r!, 'no_route', '198.18.0.2');
  assert.ok(lookups.length >= 1 && lookups.reduce((n, f) => n + f.count, 0) <= d, JSON.stringify(lookups));
});

test('a full ARP queue: each datagram pushes the one before out (NEIGH_QUEUEFULL), the last fails with the neighbour', kernelOpts(), async () => {
  const { a } = pair();
  // room for no packet: each new one evicts the one queued before it, and is queued itself
  a.exec('sysctl', ['-qw', 'net.ipv4.neigh.vx0.unres_qlen_bytes=1']);
  const probe = startIpRoute({ netns: netnsInode(a.name) });
  let r: IpRouteReport;
  let sent: number;
  try {
    sent = await silent(a);
    r = probe.sample();
  } finally {
    probe.stop();
  }
  assert.equal(sent, 6);
  assert.deepEqual(only(r, 'drop', SILENT).map((f) => [f.detail, f.count]).sort(), [['NEIGH_FAILED', 1], ['NEIGH_QUEUEFULL', sent - 1]]);
  assert.equal(only(r, 'neigh_failed', SILENT).length, 1);
});

test('CLI: the summary per interval (--json sums to the answer), the table within 100 columns', kernelOpts(), async () => {
  const { a } = pair();
  const before = nsCounters(a);
  const json = await startTracing('iproute', ['--netns', a.name, '-i', '1', '-d', '5', '--json']);
  const text = await startTracing('iproute', ['--netns', a.name, '-d', '5']);
  const closed = [json, text].map((t) => t.exit);
  const { tcp } = await noRoute(a);
  const sent = await silent(a);
  assert.deepEqual(await Promise.all(closed), [0, 0], [...json.err, ...text.err].join('\n'));
  const objs = json.out.map((l) => JSON.parse(l) as { ts: string; interval_s: number; failures: IpRouteFailure[] });
  assert.ok(objs.length >= 4 && objs.length <= 6, `${objs.length} intervals`);
  for (const o of objs) assert.deepEqual(Object.keys(o), ['ts', 'interval_s', 'failures']);
  const all = objs.flatMap((o) => o.failures);
  assert.deepEqual(Object.keys(all[0]!), ['kind', 'detail', 'family', 'daddr', 'dev', 'ifindex', 'netns', 'table', 'pid', 'comm', 'count']);
  const sum = (kind: string, daddr: string) => all.filter((f) => f.kind === kind && f.daddr === daddr).reduce((n, f) => n + f.count, 0);
  assert.deepEqual([sum('no_route', NOWHERE), sum('drop', SILENT), sum('neigh_failed', SILENT)],
    [counterDelta(a, before, ['IpOutNoRoutes']).IpOutNoRoutes, sent, 1]);

  assert.match(text.out[0]!, /^COUNT +KIND +DETAIL +DESTINATION +DEV +NETNS +PID +COMM$/);
  const ns = netnsInode(a.name);
  assert.ok(text.out.some((l) => new RegExp(`^ +6 drop +NEIGH_FAILED +198\\.18\\.0\\.9 +vx0 +${ns} +- +-$`).test(l)), text.out.join('\n'));
  assert.ok(text.out.some((l) => new RegExp(`^ +4 no_route +ENETUNREACH +203\\.0\\.113\\.5 +- +${ns} +${tcp.pid} +python3$`).test(l)), text.out.join('\n'));
  assert.ok(text.out.some((l) => new RegExp(`^ +1 neigh_failed +- +198\\.18\\.0\\.9 +vx0 +${ns} +- +-$`).test(l)), text.out.join('\n'));
  assert.ok(text.out.every((l) => [...l].length <= 100));
});

test('CLI --events: one line, or one JSON object, per failure', kernelOpts(), async () => {
  const { a } = pair();
  const json = await startTracing('iproute', ['--events', '--json', '--netns', a.name]);
  const table = await startTracing('iproute', ['--events', '--netns', a.name, '-I', 'vx0']);
  await noRoute(a);
  const sent = await silent(a);
  for (const t of [json, table]) {
    t.cp.kill('SIGINT');
    assert.equal(await t.exit, 0, t.err.join('\n'));
  }
  const objs = json.out.map((l) => JSON.parse(l) as Record<string, unknown>);
  const mine = objs.filter((o) => o.daddr === NOWHERE || o.daddr === SILENT);
  assert.deepEqual(Object.keys(mine[0]!), ['ts_ns', 'kind', 'detail', 'family', 'daddr', 'dev', 'ifindex', 'netns', 'table', 'pid', 'comm', 'location']);
  const count = (kind: string) => mine.filter((o) => o.kind === kind).length;
  assert.deepEqual([count('no_route'), count('drop'), count('neigh_failed')], [9, sent, 1]);
  assert.ok(mine.filter((o) => o.kind === 'drop').every((o) => /^neigh_invalidate\+0x/.test(o.location as string)), JSON.stringify(mine));
  assert.match(table.out[0]!, /^KIND +DETAIL +DESTINATION +DEV +NETNS +PID +COMM$/);
  const rows = table.out.slice(1).filter((l) => l.includes(SILENT));
  assert.equal(rows.length, sent + 1, table.out.join('\n'));
  assert.equal(table.out.filter((l) => l.includes(NOWHERE)).length, 0, '-I: no route lookups');
  assert.ok(table.out.every((l) => [...l].length <= 100));
});

test('CLI: bad input is one line and exit 1', kernelOpts(), () => {
  assertUsageErrors('iproute', [['-I', 'not an interface'], ['-I', 'x'.repeat(16)], ['-L', '80'], ['--events', '-i', '1'], ['-c', '2'],
    ['-i', '0'], ['--netns', 'no-such-ns-here'], ['-4', '-6'], ['-p', '0'], ['--bogus']]);
});
