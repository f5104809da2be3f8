// Kernel tests for skbdrop: packets dropped for known reasons in namespaces the test makes, against
// the oracles of those namespaces: an nftables rule's counter (NETFILTER_DROP), UdpNoPorts and
// TcpOutRsts (NO_SOCKET: UDP and TCP to closed ports), UdpRcvbufErrors (SOCKET_RCVBUFF: a UDP
// socket that does not read) and TcpExtListenOverflows (SYNs refused on a full accept queue, the
// pseudo-reason TCP_LISTEN_OVERFLOW_SYN, which has no drop event).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kernelOpts, Netns, vethPair } from '../../testlib/kernel.js';
import { assertUsageErrors, startTracing } from '../../testlib/cli.js';
import { counterDelta, fillAcceptQueue, nft, nftCounters, nsCounters, workload, type WorkloadEvent } from '../../testlib/traffic.js';
import { netnsInode } from '../../core/kit/filter.js';
import { sampleAround } from '../../testlib/probes.js';
import { settled } from '../../testlib/tcpinfo.js';
import { groupDrops, mergeRows, startSkbDrop, type SkbDrop, type SkbDropGroup, type SkbDropReport, type SkbDropVia } from './lib.js';

const [FILTERED, UDP_CLOSED, TCP_CLOSED] = [8091, 8092, 8093];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const RULES = `table inet netdxskb {
  chain pre { type filter hook prerouting priority -300; policy accept;
    udp dport ${FILTERED} counter drop comment "filtered"
  }
}`;

/** The rows of one reason and port. */
const rows = (r: SkbDropReport, reason: string, lport: number): SkbDrop[] => r.drops.filter((d) => d.reason === reason && d.lport === lport);
const total = (ds: ReadonlyArray<{ count: number }>) => ds.reduce((n, d) => n + d.count, 0);

/** From a to b: 20 datagrams the rule drops, 7 to a closed UDP port, 4 SYNs to a closed TCP port,
 * and 60 to a UDP socket whose receive buffer fills (it never reads). */
async function traffic(a: Netns, b: Netns) {
  const full = workload(b, 'udp-listen', '--host', '198.18.0.2', '--rcvbuf', '1024', '--read-after', '100000', '--hold', '100000');
  const { port, pid } = await full.wait('listening') as unknown as { port: number; pid: number };
  const sent = await Promise.all([
    workload(a, 'udp-send', '--host', '198.18.0.2', '--port', String(FILTERED), '--count', '20', '--size', '64').done(),
    workload(a, 'udp-send', '--host', '198.18.0.2', '--port', String(UDP_CLOSED), '--count', '7', '--size', '64', '--pace-us', '2000').done(),
    workload(a, 'udp-send', '--host', '198.18.0.2', '--port', String(port), '--count', '60', '--size', '1000').done(),
  ]);
  assert.deepEqual(sent.map((s) => s.sent), [20, 7, 60]);
  await workload(a, 'connect', '--host', '198.18.0.2', '--port', String(TCP_CLOSED), '--count', '4').done();
  // every packet has been through b's stack: the rule counted them all, the buffer drops stopped
  await settled(b, () => nftCounters(b, 'netdxskb').filtered === 20, { counter: 'UdpRcvbufErrors', still: 300 });
  return { port, pid, full };
}

for (const via of ['raw_tp', 'tracepoint', 'tp_btf'] as const satisfies readonly SkbDropVia[]) {
  test(`NETFILTER_DROP = the rule's counter, NO_SOCKET = UdpNoPorts and TcpOutRsts, SOCKET_RCVBUFF = UdpRcvbufErrors with port and owner (${via})`, kernelOpts(), async () => {
    const { a, b } = vethPair();
    nft(b, RULES);
    const netns = netnsInode(b.name);
    const before = nsCounters(b);
    const { reports: [r, other, only, reasons], app: t, vias, lost } = await sampleAround<SkbDropReport, Awaited<ReturnType<typeof traffic>>>([
      () => startSkbDrop({ netns }, { via }),
      () => startSkbDrop({ netns, pid: process.pid }),
      () => startSkbDrop({ netns: netnsInode(a.name), lports: [FILTERED, UDP_CLOSED, TCP_CLOSED] }),
      () => startSkbDrop({ netns }, { reason: ['no_socket', 'SOCKET_RCVBUFF'] }),
    ], () => traffic(a, b));
    assert.equal(vias[0], via);
    assert.deepEqual(lost[0], { full: 0, refused: 0, untracked: 0 });
    const d = counterDelta(b, before, ['UdpNoPorts', 'TcpOutRsts', 'UdpRcvbufErrors']);
    const nftDrops = nftCounters(b, 'netdxskb').filtered!;
    assert.equal(nftDrops, 20);
    assert.deepEqual([d.UdpNoPorts, d.TcpOutRsts], [7, 4]);
    assert.ok(d.UdpRcvbufErrors! > 30, `the receive buffer filled: ${d.UdpRcvbufErrors} of 60 dropped`);

    const filtered = rows(r, 'NETFILTER_DROP', FILTERED);
    assert.equal(filtered.length, 1, JSON.stringify(filtered));
    assert.deepEqual({ ...filtered[0], location: filtered[0]!.location.replace(/\+0x[0-9a-f]+$/, '') }, {
      reason: 'NETFILTER_DROP', count: nftDrops, location: 'nft_do_chain', protocol: 'IPv4', ipproto: 'udp', family: 4,
      netns, lport: FILTERED, pid: 0, comm: '', socket: false,
    });
    const udpClosed = rows(r, 'NO_SOCKET', UDP_CLOSED);
    assert.deepEqual(udpClosed.map((x) => [x.count, x.ipproto, x.socket]), [[d.UdpNoPorts, 'udp', false]]);
    assert.match(udpClosed[0]!.location, /^__udp4_lib_rcv\+0x/);
    const tcpClosed = rows(r, 'NO_SOCKET', TCP_CLOSED);
    assert.deepEqual(tcpClosed.map((x) => [x.count, x.ipproto, x.socket]), [[d.TcpOutRsts, 'tcp', false]]);
    assert.match(tcpClosed[0]!.location, /^tcp_v4_rcv\+0x/);
    const rcvbuf = rows(r, 'SOCKET_RCVBUFF', t.port);
    assert.equal(rcvbuf.length, 1, JSON.stringify(r.drops));
    assert.deepEqual([rcvbuf[0]!.count, rcvbuf[0]!.pid, rcvbuf[0]!.comm, rcvbuf[0]!.socket, rcvbuf[0]!.ipproto], [d.UdpRcvbufErrors, t.pid, 'python3', true, 'udp']);
    assert.match(rcvbuf[0]!.location, /^udp_queue_rcv_one_skb\+0x/);
    assert.ok(r.drops.every((x) => x.netns === netns), 'only the namespace asked for');
    // sorted by count
    assert.deepEqual(r.drops.map((x) => x.count), [...r.drops.map((x) => x.count)].sort((x, y) => y - x));

    assert.deepEqual(other!.drops, [], '-p: no drop belongs to this process');
    assert.deepEqual(only!.drops, [], 'namespace a dropped none of these');
    assert.deepEqual(new Set(reasons!.drops.map((x) => x.reason)), new Set(['NO_SOCKET', 'SOCKET_RCVBUFF']), '--reason');
    assert.equal(total(reasons!.drops.filter((x) => x.lport === t.port)), d.UdpRcvbufErrors);
  });
}

test('-p: the drops of one process\'s socket, its owner found by the socket\'s inode', kernelOpts(), async () => {
  const { a, b } = vethPair();
  const before = nsCounters(b);
  const full = workload(b, 'udp-listen', '--host', '198.18.0.2', '--rcvbuf', '1024', '--read-after', '100000', '--hold', '100000');
  const { port, pid } = await full.wait('listening') as unknown as { port: number; pid: number };
  const probe = startSkbDrop({ netns: netnsInode(b.name), pid });
  let r: SkbDropReport;
  try {
    await workload(a, 'udp-send', '--host', '198.18.0.2', '--port', String(port), '--count', '40', '--size', '1000').done();
    await workload(a, 'udp-send', '--host', '198.18.0.2', '--port', String(UDP_CLOSED), '--count', '3').done();
    await settled(b, () => true, { counter: 'UdpRcvbufErrors', still: 300 });
    r = probe.sample();
  } finally {
    probe.stop();
  }
  const d = counterDelta(b, before, ['UdpRcvbufErrors', 'UdpNoPorts']);
  assert.ok(d.UdpRcvbufErrors! > 20 && d.UdpNoPorts === 3);
  assert.deepEqual(r.drops.map((x) => [x.reason, x.lport, x.pid, x.count]), [['SOCKET_RCVBUFF', port, pid, d.UdpRcvbufErrors]]);
});

test('IPv6: datagrams to a closed port on ::1 are NO_SOCKET drops at __udp6_lib_rcv = Udp6NoPorts; -4 sees none', kernelOpts(), async () => {
  const ns = new Netns('netdxskb');
  const netns = netnsInode(ns.name);
  const before = nsCounters(ns);
  const { reports: [r, v4] } = await sampleAround<SkbDropReport, WorkloadEvent>([
    () => startSkbDrop({ netns, family: 6 }), () => startSkbDrop({ netns, family: 4 }),
  ], () => workload(ns, 'udp-send', '--host', '::1', '--port', String(UDP_CLOSED), '--count', '4', '--size', '64', '--pace-us', '2000').done());
  const d = counterDelta(ns, before, ['Udp6NoPorts']).Udp6NoPorts;
  assert.equal(d, 4);
  const rows = rows6(r!);
  assert.deepEqual(rows.map((x) => [x.count, x.protocol, x.ipproto, x.family, x.socket]), [[d, 'IPv6', 'udp', 6, false]]);
  assert.match(rows[0]!.location, /^__udp6_lib_rcv\+0x/);
  assert.deepEqual(rows6(v4!), []);
});

const rows6 = (r: SkbDropReport) => rows(r, 'NO_SOCKET', UDP_CLOSED);

test('a drop on the way out: the sending socket, its port and its process (the owner cache, filled at its sends)', kernelOpts(), async () => {
  const { a } = vethPair();
  nft(a, `table inet netdxskb {
    chain out { type filter hook output priority 0; policy accept;
      udp dport ${FILTERED} counter drop comment "out"
    }
  }`);
  const { reports: [r], app } = await sampleAround<SkbDropReport, WorkloadEvent>([() => startSkbDrop({ netns: netnsInode(a.name) })],
    () => workload(a, 'udp-send', '--host', '198.18.0.2', '--port', String(FILTERED), '--count', '5', '--size', '64').done());
  const n = nftCounters(a, 'netdxskb').out!;
  assert.equal(n, 5);
  const rows = r!.drops.filter((d) => d.reason === 'NETFILTER_DROP');
  assert.equal(total(rows), n, JSON.stringify(rows));
  assert.ok(rows.every((d) => d.socket && d.lport > 0 && d.lport === rows[0]!.lport && d.lport !== FILTERED && /^nft_do_chain\+0x/.test(d.location)), JSON.stringify(rows));
  // the first datagram drops inside its sendmsg, before the cache knew the socket (its process
  // has exited since: not found in /proc either); the others are the sender's
  assert.ok(total(rows.filter((d) => d.pid === app.pid && d.comm === 'python3')) >= n - 1, JSON.stringify(rows));
  assert.ok(rows.every((d) => d.pid === app.pid || d.pid === 0));
});

const overflows = (ns: Netns, before: Map<string, bigint>) => counterDelta(ns, before, ['TcpExtListenOverflows']).TcpExtListenOverflows!;

for (const via of ['raw_tp', 'tracepoint', 'tp_btf'] as const satisfies readonly SkbDropVia[]) {
  test(`SYNs refused on a full accept queue: ${'TCP_LISTEN_OVERFLOW_SYN'} = TcpExtListenOverflows (${via})`, kernelOpts(), async () => {
    const ns = new Netns('netdxskb');
    const before = nsCounters(ns);
    const probe = startSkbDrop({ netns: netnsInode(ns.name) }, { via, syn: true });
    const plain = startSkbDrop({ netns: netnsInode(ns.name) }, { via });
    let otherPort: ReturnType<typeof startSkbDrop> | undefined;
    let r: SkbDropReport, o: SkbDropReport, p: SkbDropReport;
    let got: { port: number; pid: number };
    try {
      otherPort = startSkbDrop({ netns: netnsInode(ns.name), lports: [9] }, { syn: true });
      got = await fillAcceptQueue(ns);
      await sleep(100);
      r = probe.sample();
      o = otherPort.sample();
      p = plain.sample();
    } finally {
      probe.stop();
      plain.stop();
      otherPort?.stop();
    }
    const n = overflows(ns, before);
    assert.equal(n, 3, 'three SYNs refused');
    const syn = r.drops.filter((d) => d.reason === 'TCP_LISTEN_OVERFLOW_SYN');
    assert.deepEqual(syn, [{
      reason: 'TCP_LISTEN_OVERFLOW_SYN', count: n, location: 'tcp_conn_request', protocol: 'IPv4', ipproto: 'tcp', family: 4,
      netns: netnsInode(ns.name), lport: got.port, pid: 0, comm: '', socket: true,
    }]);
    assert.deepEqual(r.drops.filter((d) => d.reason === 'TCP_LISTEN_OVERFLOW'), [], 'no final ACK overflowed');
    assert.deepEqual(o.drops, [], '-L 9: not this port');
    assert.deepEqual(p.drops.filter((d) => d.reason === 'TCP_LISTEN_OVERFLOW_SYN'), [], 'without --syn: not counted');
  });
}

test('the JSON summary: one object per (reason, location, protocol), its places most first', () => {
  const row = (reason: string, location: string, lport: number, count: number): SkbDrop =>
    ({ reason, location, protocol: 'IPv4', ipproto: 'udp', family: 4, netns: 1, lport, pid: 0, comm: '', socket: lport > 0, count });
  const g = groupDrops([row('NO_SOCKET', 'a+0x1', 53, 2), row('SOCKET_RCVBUFF', 'b+0x2', 9000, 4), row('NO_SOCKET', 'a+0x1', 5353, 3), row('NO_SOCKET', 'c+0x3', 53, 1)]);
  assert.deepEqual(g.map((x) => [x.reason, x.location, x.count, x.places.map((p) => [p.lport, p.count])]), [
    ['NO_SOCKET', 'a+0x1', 5, [[5353, 3], [53, 2]]],
    ['SOCKET_RCVBUFF', 'b+0x2', 4, [[9000, 4]]],
    ['NO_SOCKET', 'c+0x3', 1, [[53, 1]]],
  ]);
});

test('the kernel counts per socket: one row per owner, the same fields but the count', () => {
  const row = (pid: number, lport: number, count: number): SkbDrop =>
    ({ reason: 'SOCKET_RCVBUFF', location: 'a+0x1', protocol: 'IPv4', ipproto: 'udp', family: 4, netns: 1, lport, pid, comm: pid ? 'app' : '', socket: true, count });
  assert.deepEqual(mergeRows([row(7, 53, 2), row(7, 53, 3), row(0, 53, 1), row(7, 54, 4)]).map((x) => [x.pid, x.lport, x.count]),
    [[7, 53, 5], [0, 53, 1], [7, 54, 4]]);
});

test('CLI: the summary per interval (--json sums to the answer), the table within 100 columns', kernelOpts(), async () => {
  const { a, b } = vethPair();
  nft(b, RULES);
  const t = await startTracing('skbdrop', ['--netns', b.name, '-L', `${FILTERED},${TCP_CLOSED}`, '-i', '1', '-d', '2.5', '--json']);
  const text = await startTracing('skbdrop', ['--netns', b.name, '-L', `${FILTERED},${TCP_CLOSED}`, '-d', '2.5']);
  await workload(a, 'udp-send', '--host', '198.18.0.2', '--port', String(FILTERED), '--count', '9', '--size', '64').done();
  await workload(a, 'connect', '--host', '198.18.0.2', '--port', String(TCP_CLOSED), '--count', '2').done();
  assert.equal(await t.exit, 0, t.err.join('\n'));
  assert.equal(await text.exit, 0, text.err.join('\n'));
  assert.equal(t.out.length, 3, t.out.join('\n'));
  const objs = t.out.map((l) => JSON.parse(l) as { ts: string; interval_s: number; drops: SkbDropGroup[] });
  for (const o of objs) assert.deepEqual(Object.keys(o), ['ts', 'interval_s', 'drops']);
  const groups = objs.flatMap((o) => o.drops);
  // one object per (reason, location, protocol) in each interval, its count the sum of its places
  for (const o of objs) assert.equal(new Set(o.drops.map((g) => `${g.reason} ${g.location} ${g.protocol}`)).size, o.drops.length);
  assert.deepEqual(Object.keys(groups[0]!), ['reason', 'location', 'protocol', 'count', 'places']);
  assert.ok(groups.every((g) => g.count === total(g.places)), JSON.stringify(groups));
  const all: SkbDrop[] = groups.flatMap((g) => g.places.map((p) => ({ reason: g.reason, location: g.location, protocol: g.protocol, ...p })));
  assert.deepEqual(Object.keys(groups[0]!.places[0]!), ['ipproto', 'family', 'netns', 'lport', 'pid', 'comm', 'socket', 'count']);
  assert.equal(total(all.filter((x) => x.reason === 'NETFILTER_DROP' && x.lport === FILTERED)), nftCounters(b, 'netdxskb').filtered);
  assert.equal(total(all.filter((x) => x.reason === 'NO_SOCKET' && x.lport === TCP_CLOSED)), 2);
  assert.equal(all.length, all.filter((x) => x.lport === FILTERED || x.lport === TCP_CLOSED).length);

  assert.match(text.out[0]!, /^COUNT +REASON +LOCATION +PROTO +NETNS +PORT +PID +COMM$/);
  assert.match(text.out[1]!, new RegExp(`^ +9 NETFILTER_DROP +nft_do_chain\\+0x[0-9a-f]+ +IPv4/udp +${netnsInode(b.name)} +${FILTERED} +- +-$`));
  assert.match(text.out[2]!, new RegExp(`^ +2 NO_SOCKET +tcp_v4_rcv\\+0x[0-9a-f]+ +IPv4/tcp +${netnsInode(b.name)} +${TCP_CLOSED} +- +-$`));
  assert.ok(text.out.every((l) => [...l].length <= 100));
});

test('CLI --events: one line, or one JSON object, per drop', kernelOpts(), async () => {
  const { a, b } = vethPair();
  nft(b, RULES);
  const json = await startTracing('skbdrop', ['--events', '--json', '--netns', b.name, '-L', String(FILTERED)]);
  const table = await startTracing('skbdrop', ['--events', '--netns', b.name, '--reason', 'NO_SOCKET', '-L', String(TCP_CLOSED)]);
  const s = await workload(a, 'udp-send', '--host', '198.18.0.2', '--port', String(FILTERED), '--count', '5', '--size', '64').done();
  const c = await workload(a, 'connect', '--host', '198.18.0.2', '--port', String(TCP_CLOSED), '--count', '3').done();
  assert.equal(c.event, 'done');
  await sleep(300);
  for (const r of [json, table]) {
    r.cp.kill('SIGINT');
    assert.equal(await r.exit, 0, r.err.join('\n'));
  }
  const objs = json.out.map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.equal(objs.length, nftCounters(b, 'netdxskb').filtered);
  assert.equal(objs.length, s.sent);
  assert.deepEqual(Object.keys(objs[0]!), ['ts_ns', 'reason', 'location', 'protocol', 'ipproto', 'family', 'netns', 'lport', 'pid', 'comm', 'socket',
    'saddr', 'sport', 'daddr', 'dport', 'dev']);
  assert.ok(objs.every((o) => o.reason === 'NETFILTER_DROP' && o.saddr === '198.18.0.1' && o.daddr === '198.18.0.2' && o.dport === FILTERED &&
    o.dev === 'vx1' && o.netns === netnsInode(b.name) && /^nft_do_chain\+0x/.test(o.location as string)), JSON.stringify(objs[0]));
  assert.match(table.out[0]!, /^PID +REASON +LOCATION +PROTO +DEV +SOURCE +DESTINATION$/);
  assert.equal(table.out.length, 1 + 3, table.out.join('\n'));
  assert.ok(table.out.slice(1).every((l) => new RegExp(`^- +NO_SOCKET +tcp_v4_rcv\\+0x[0-9a-f]+ +IPv4/tcp +vx1 +198\\.18\\.0\\.1:\\d+ +198\\.18\\.0\\.2:${TCP_CLOSED}$`).test(l)), table.out.join('\n'));
  assert.ok(table.out.every((l) => [...l].length <= 100));
});

test('CLI: bad input is one line and exit 1', kernelOpts(), () => {
  assertUsageErrors('skbdrop', [['--reason', 'NO_SUCH_REASON'], ['--events', '--reason', 'TCP_LISTEN_OVERFLOW_SYN'], ['--events', '--syn'], ['--reason', 'NO_SOCKET,BOGUS'], ['-L', '0'], ['-L', 'x'], ['--events', '-i', '1'],
    ['-c', '2'], ['-i', '0'], ['--netns', 'no-such-ns-here'], ['-4', '-6'], ['-p', '0'], ['-D', '80']]);
});
