// Kernel tests for dnslat: raw DNS queries over UDP (not libc) from a namespace the test makes, to
// the test's resolver on its loopback and in the peer namespace over a veth (IPv4 and IPv6):
// slow.netdx.test answered after 150 ms, none.netdx.test NXDOMAIN and fail.netdx.test SERVFAIL
// at once. Each query the client made is seen once, with its id, port, name and rcode.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kernelOpts, knowNeighbours, Netns, progMisses, sh, skipped, vethPair } from '../../testlib/kernel.js';
import { workload, type Workload } from '../../testlib/traffic.js';
import { FAIL_NAME, NONE_NAME, SLOW_NAME, startResolver } from '../../testlib/dns.js';
import { assertBadInput, traceDuring } from '../../testlib/cli.js';
import { netnsInode } from '../../core/kit/filter.js';
import { startEvents } from '../../core/kit/events.js';
import { DNSLAT, decodeQuestion, type DnsLatEvent, type DnsNameRow } from './lib.js';

const DELAY = 150;
const RCODE: Record<string, string> = { [SLOW_NAME]: 'NOERROR', [NONE_NAME]: 'NXDOMAIN', [FAIL_NAME]: 'SERVFAIL' };
const NAMES = [SLOW_NAME, NONE_NAME, FAIL_NAME].join(',');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('decodeQuestion: labels, type, a cut copy, escapes', () => {
  const q = (s: string) => Uint8Array.from(Buffer.from(s, 'binary'));
  assert.deepEqual(decodeQuestion(q('\x04slow\x05netdx\x04test\x00\x00\x1c\x00\x01'), 21), { name: 'slow.netdx.test', type: 'AAAA' });
  assert.deepEqual(decodeQuestion(q('\x04slow\x05netdx\x04test\x00\x00\x1c\x00\x01'), 8), { name: 'slow.ne...', type: '?' });
  assert.deepEqual(decodeQuestion(q('\x03a.b\x01\x07\x00\x00\x01\x00\x01'), 12), { name: 'a\\.b.\\007', type: 'A' });
  assert.deepEqual(decodeQuestion(q('\x00\x00\x02\x00\x01'), 5), { name: '', type: 'NS' });
});

/** What the client got, as the events should say it: [id, client port, name, rcode]. */
const answers = (w: Workload) => w.all('answer').map((a) => [a.id, a.sport, a.name, RCODE[a.name as string]] as const);

function assertQueries(got: DnsLatEvent[], w: Workload, server: string, family: 4 | 6): void {
  const app = w.all('answer');
  assert.equal(w.all('timeout').length, 0, 'the client got every answer');
  assert.equal(app.length, Number(w.cp.spawnargs[w.cp.spawnargs.indexOf('--count') + 1]) * 3, 'each name --count times');
  assert.deepEqual(got.map((e) => [e.id, e.cport, e.name, e.rcode]), answers(w), `one event per query to ${server}, in order`);
  got.forEach((e, i) => {
    const a = app[i]!;
    assert.deepEqual([e.pid, e.comm, e.server, e.sport, e.family, e.type, e.tries], [w.pid, 'python3', server, 53, family, 'A', 1]);
    assert.equal(e.answers, e.name === SLOW_NAME ? 1 : 0);
    assert.ok(e.latency_ms <= (a.ms as number) + 1, `within the client's timing: ${e.latency_ms} vs ${a.ms as number} ms`);
    if (e.name === SLOW_NAME) assert.ok(e.latency_ms >= DELAY, `slow: ${e.latency_ms} ms`);
    else assert.ok(e.latency_ms < DELAY, `${e.name} at once: ${e.latency_ms} ms`);
  });
}

test('queries over loopback (counted once) and over a veth, IPv4 and IPv6: ids, ports, names, rcodes, latency', kernelOpts(), async () => {
  const { a, b } = vethPair();
  await startResolver(a, '127.0.0.1', DELAY);
  await startResolver(b, '198.18.0.2', DELAY);
  await startResolver(b, 'fd00::2', DELAY);
  // the resolvers' neighbours known beforehand: a first query that waits for one is sent from a
  // softirq, where the sending process is not known (the docs say so); this test names processes
  knowNeighbours(a, 'vx0', b, 'vx1', ['198.18.0.2', 'fd00::2']);
  const events: DnsLatEvent[] = [];
  const server: DnsLatEvent[] = [];
  const probe = startEvents(DNSLAT, (e) => events.push(e), { filter: { netns: netnsInode(a.name) } });
  // the resolver's side: queries received and answers sent are not queries of this host
  const peer = startEvents(DNSLAT, (e) => server.push(e), { filter: { netns: netnsInode(b.name) } });
  try {
    const lo = workload(a, 'dns-query', '--server', '127.0.0.1', '--names', NAMES, '--count', '3');
    await lo.done();
    const v4 = workload(a, 'dns-query', '--server', '198.18.0.2', '--names', NAMES, '--count', '2');
    await v4.done();
    const v6 = workload(a, 'dns-query', '--server', 'fd00::2', '--names', NAMES, '--count', '2');
    await v6.done();
    await sleep(100);
    probe.poll();
    peer.poll();
    assertQueries(events.filter((e) => e.pid === lo.pid), lo, '127.0.0.1', 4);
    assertQueries(events.filter((e) => e.pid === v4.pid), v4, '198.18.0.2', 4);
    assertQueries(events.filter((e) => e.pid === v6.pid), v6, 'fd00::2', 6);
    // a resolver that leaves the first copy of each query unanswered: the client sends it again
    // after 50 ms (the same id, the same port): one query, two tries, the latency from the first send
    sh('ip', ['-n', b.name, 'addr', 'add', '198.18.0.3/24', 'dev', 'vx1']);
    await startResolver(b, '198.18.0.3', DELAY, { dropFirst: true });
    const again = workload(a, 'dns-query', '--server', '198.18.0.3', '--names', SLOW_NAME, '--count', '2', '--resend-after', '0.05');
    await again.done();
    await sleep(100);
    probe.poll();
    const re = events.filter((e) => e.pid === again.pid);
    assert.deepEqual(re.map((e) => [e.id, e.cport, e.name, e.rcode, e.tries]), again.all('answer').map((x) => [x.id, x.sport, SLOW_NAME, 'NOERROR', 2]));
    assert.equal(re.length, 2);
    assert.ok(re.every((e) => e.latency_ms >= 50 + DELAY), `from the first send: ${re.map((e) => e.latency_ms).join(', ')}`);
    assert.equal(events.length, 9 + 6 + 6 + 2, 'nothing else in the namespace');
    assert.deepEqual(server, [], 'a resolver\'s side sends no query');
  } finally {
    const lost = probe.stop();
    peer.stop();
    assert.deepEqual(lost, { full: 0, refused: 0, untracked: 0 });
  }
});

test('a router between client and resolver sees the queries it forwards, with no process', kernelOpts(), async () => {
  // a (client) -- b (router) -- c (resolver at 198.18.1.2)
  const { a, b } = vethPair();
  const c = new Netns();
  sh('ip', ['-n', b.name, 'link', 'add', 'vr0', 'type', 'veth', 'peer', 'name', 'vr1', 'netns', c.name]);
  sh('ip', ['-n', b.name, 'addr', 'add', '198.18.1.1/24', 'dev', 'vr0']);
  sh('ip', ['-n', c.name, 'addr', 'add', '198.18.1.2/24', 'dev', 'vr1']);
  sh('ip', ['-n', b.name, 'link', 'set', 'vr0', 'up']);
  sh('ip', ['-n', c.name, 'link', 'set', 'vr1', 'up']);
  b.exec('sysctl', ['-q', '-w', 'net.ipv4.ip_forward=1']);
  sh('ip', ['-n', a.name, 'route', 'add', '198.18.1.0/24', 'via', '198.18.0.2']);
  sh('ip', ['-n', c.name, 'route', 'add', '198.18.0.0/24', 'via', '198.18.1.1']);
  await startResolver(c, '198.18.1.2', DELAY);
  const client: DnsLatEvent[] = [];
  const router: DnsLatEvent[] = [];
  const byPid: DnsLatEvent[] = [];
  const pa = startEvents(DNSLAT, (e) => client.push(e), { filter: { netns: netnsInode(a.name) } });
  const pb = startEvents(DNSLAT, (e) => router.push(e), { filter: { netns: netnsInode(b.name) } });
  const pp = startEvents(DNSLAT, (e) => byPid.push(e), { filter: { netns: netnsInode(b.name), pid: process.pid } });
  try {
    const w = workload(a, 'dns-query', '--server', '198.18.1.2', '--names', NAMES, '--count', '2');
    await w.done();
    await sleep(100);
    for (const p of [pa, pb, pp]) p.poll();
    assertQueries(client, w, '198.18.1.2', 4);
    assert.deepEqual(router.map((e) => [e.id, e.cport, e.name, e.rcode]), answers(w), 'the router: each query once');
    assert.ok(router.every((e) => e.pid === 0 && e.comm === '' && e.client === '198.18.0.1' && e.server === '198.18.1.2'), JSON.stringify(router[0]));
    assert.deepEqual(byPid, [], '-p: forwarded queries belong to no process');
  } finally {
    for (const p of [pa, pb, pp]) p.stop();
  }
});

test('each way of attaching: raw_tp, tp_btf, tracepoint', kernelOpts(), async (t) => {
  const { a } = vethPair();
  await startResolver(a, '127.0.0.1', DELAY);
  for (const via of ['raw_tp', 'tp_btf', 'tracepoint']) {
    const events: DnsLatEvent[] = [];
    const probe = startEvents(DNSLAT, (e) => events.push(e), { filter: { netns: netnsInode(a.name) }, via });
    try {
      assert.equal(probe.via, via);
      const before = progMisses();
      const w = workload(a, 'dns-query', '--server', '127.0.0.1', '--names', NAMES, '--count', '1');
      await w.done();
      await sleep(100);
      probe.poll();
      if (skipped(t, via, progMisses() - before)) assert.ok(events.length <= 3);
      else assertQueries(events, w, '127.0.0.1', 4);
    } finally {
      probe.stop();
    }
  }
});

test('CLI: --json per answer, -s per name, -6, -D and bad input', kernelOpts(), async () => {
  const { a, b } = vethPair();
  await startResolver(b, '198.18.0.2', DELAY);
  await startResolver(b, 'fd00::2', DELAY);
  let w4: Workload | undefined;
  let w6: Workload | undefined;
  const run = async () => {
    w4 = workload(a, 'dns-query', '--server', '198.18.0.2', '--names', NAMES, '--count', '2');
    await w4.done();
    w6 = workload(a, 'dns-query', '--server', 'fd00::2', '--names', NAMES, '--count', '1');
    await w6.done();
  };
  const json = (await traceDuring('dnslat', ['--json', '-6', '--netns', a.name, '-d', '4'], run)).map((l) => JSON.parse(l) as DnsLatEvent);
  assert.deepEqual(json.map((e) => [e.id, e.cport, e.name, e.rcode]), answers(w6!), '-6: the IPv6 queries only');
  // a resolver on a's loopback that answers only after the run: one query the client gives up on
  await startResolver(a, '127.0.0.1', 30_000);
  let gaveUp: Workload | undefined;
  const rows = (await traceDuring('dnslat', ['-s', '--json', '--netns', a.name, '-d', '4'], async () => {
    await run();
    gaveUp = workload(a, 'dns-query', '--server', '127.0.0.1', '--names', SLOW_NAME, '--timeout', '0.5');
    await gaveUp.done();
  })).map((l) => JSON.parse(l) as DnsNameRow);
  assert.equal(gaveUp!.all('timeout').length, 1);
  assert.deepEqual([rows[0]!.name, rows[0]!.type, rows[0]!.count, rows[0]!.unanswered, rows[0]!.rcodes, rows[0]!.retried],
    [SLOW_NAME, 'A', 3, 1, { NOERROR: 3 }, 0], 'the name with an unanswered query first');
  assert.deepEqual(rows.slice(1).map((r) => [r.name, r.type, r.count, r.unanswered, r.rcodes, r.retried]).sort(),
    [[FAIL_NAME, 'A', 3, 0, { SERVFAIL: 3 }, 0], [NONE_NAME, 'A', 3, 0, { NXDOMAIN: 3 }, 0]]);
  assert.ok(rows[0]!.avg_ms >= DELAY && rows[0]!.max_ms >= rows[0]!.avg_ms);
  const text = await traceDuring('dnslat', ['-s', '-D', '53', '--netns', a.name, '-d', '4'], run);
  assert.match(text[0]!, /^COUNT +NOANSWER +AVG_MS +MAX_MS +RETRIED +RCODES +TYPE +NAME$/);
  assert.match(text[1]!, new RegExp(`^ +3 +0 +\\d+\\.\\d{3} +\\d+\\.\\d{3} +0 NOERROR 3 +A +${SLOW_NAME.replace(/\./g, '\\.')}$`));
  assert.equal(text.length, 4);
  const other = await traceDuring('dnslat', ['-D', '5353', '--netns', a.name, '-d', '3'], run);
  assert.deepEqual(other, [other[0]], '-D 5353: none of the port-53 queries');
  assertBadInput(a, 'dnslat', [['-4', '-6'], ['-D', '0'], ['-p', '0'], ['-i', '1'], ['--netns', 'no-such-ns-here'], ['-d', '0']]);
});
