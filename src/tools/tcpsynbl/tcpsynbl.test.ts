// Kernel tests for tcpsynbl: a listen(3) that never accepts, inside a namespace the test makes,
// and ten clients whose fate is arranged with nftables: 3 whose final ACK is held back until the
// accept queue is full (their handshakes overflow on the ACK path when the server's SYN-ACK
// retransmit is answered), 4 that fill the queue, 3 that find it full (refused on the SYN path,
// which has no event). The namespace's own counters (TcpExtListenOverflows) and nftables counters
// are the oracles.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kernelOpts, Netns } from '../../testlib/kernel.js';
import { assertUsageErrors, startTracing } from '../../testlib/cli.js';
import { fillAcceptQueue, nft, nftCounters, workload } from '../../testlib/traffic.js';
import { netnsInode } from '../../core/kit/filter.js';
import { parseSnmpTable } from '../../core/proc/snmp.js';
import { startTcpSynbl, type TcpSynblListener, type TcpSynblReport, type TcpSynblVia } from './lib.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const overflows = (ns: Netns) => Number(parseSnmpTable(ns.exec('cat', ['/proc/net/netstat']), '/proc/net/netstat').get('TcpExtListenOverflows') ?? 0n);

const RULES = `
table inet synbl {
  chain in {
    type filter hook input priority 0;
    ip daddr 127.0.0.2 tcp flags & syn == 0 counter drop comment "held"
    ip daddr 127.0.0.3 tcp flags syn counter comment "refused_syns"
  }
  chain out {
    type filter hook output priority 0;
    tcp flags & (syn|ack) == (syn|ack) counter comment "synacks"
  }
}`;

/** listen(3) on 0.0.0.0 in `ns`, never accepting, and the ten clients; returns when the first
 * SYN-ACK retransmit to A (1 s after its SYN) has been answered. */
async function tenClients(ns: Netns) {
  nft(ns, RULES);
  const l = workload(ns, 'listen', '--host', '0.0.0.0', '--backlog', '3', '--accept-after', '100000', '--hold', '8000');
  const port = (await l.wait('listening')).port as number;
  // A: handshakes done on the client's side, their final ACKs dropped: 3 request sockets wait
  const a = workload(ns, 'connect', '--host', '127.0.0.2', '--port', String(port), '--count', '3', '--hold', '6000');
  while (a.all('connect').length < 3) await sleep(20);
  const synAt = Date.now();
  // B: four handshakes fill the queue (it holds the limit + 1): lengths 0, 1, 2, 3 before each add
  const b = workload(ns, 'connect', '--host', '127.0.0.1', '--port', String(port), '--count', '4', '--hold', '6000');
  while (b.all('connect').length < 4) await sleep(20);
  // A's final ACKs may pass now: the server's SYN-ACK retransmit is answered, and the ACK finds
  // the accept queue full
  ns.exec('nft', ['delete', 'rule', 'inet', 'synbl', 'in', 'handle', handleOf(ns, 'held')]);
  // C: the queue is full when their SYN comes: refused, one SYN each (gone before the RTO)
  await Promise.all([0, 1, 2].map(() => workload(ns, 'connect', '--host', '127.0.0.3', '--port', String(port), '--timeout', '0.3').done()));
  assert.ok(Date.now() - synAt < 900, `the held ACKs were let through before the first retransmit (${Date.now() - synAt} ms)`);
  await sleep(1600 - (Date.now() - synAt));
  return { l, a, b, port };
}

for (const via of ['raw_tp', 'tracepoint', 'tp_btf'] as const satisfies readonly TcpSynblVia[]) {
test(`listen(3), 10 clients: queue lengths 0-3, limit 3, ACK-path overflows and SYN-ACKs against the kernel's counters (${via})`, kernelOpts(), async () => {
  const ns = new Netns('netdxsyn');
  const before = overflows(ns);
  const probe = startTcpSynbl({ netns: netnsInode(ns.name) }, { via });
  assert.equal(probe.via, via);
  const other = startTcpSynbl({ netns: netnsInode(ns.name), lports: [9] });
  const notMine = startTcpSynbl({ netns: netnsInode(ns.name), pid: process.pid });
  let r: TcpSynblReport, o: TcpSynblReport, n: TcpSynblReport;
  let l;
  try {
    const t = await tenClients(ns);
    l = t.l;
    assert.deepEqual(t.a.all('connect').map((e) => e.result), ['OK', 'OK', 'OK'], 'A: connected on the client side');
    assert.deepEqual(t.b.all('connect').map((e) => e.result), ['OK', 'OK', 'OK', 'OK']);
    // the listener's close ends its request sockets: nothing more happens, counters are final
    l.cp.kill('SIGKILL');
    await l.exited;
    await sleep(100);
    r = probe.sample();
    o = other.sample();
    n = notMine.sample();
  } finally {
    probe.stop();
    other.stop();
    notMine.stop();
  }
  assert.deepEqual(o.listeners, [], 'a probe for port 9 saw nothing');
  assert.deepEqual(n.listeners, [], 'a probe for another process saw nothing');
  const counters = nftCounters(ns, 'synbl');
  const mine = r.listeners;
  assert.equal(mine.length, 1, JSON.stringify(mine));
  const s = mine[0]!;
  assert.equal(s.lport, (l!.events[0]!.port as number));
  assert.deepEqual([s.family, s.limit, s.pid, s.comm, s.netns], [4, 3, l!.pid, 'python3', netnsInode(ns.name)]);
  assert.equal(s.conns, 4, 'the four handshakes of B entered the queue');
  assert.equal(s.max_queue, 4, 'the queue held limit + 1');
  const listenOverflows = overflows(ns) - before;
  const synPath = counters.refused_syns!;
  assert.equal(synPath, 3, 'one SYN from each C client');
  assert.ok(s.overflows >= 3, `each of A's final ACKs overflowed at least once: ${s.overflows}`);
  assert.equal(s.overflows, listenOverflows - synPath, `ACK path ${s.overflows} + SYN path ${synPath} = TcpExtListenOverflows ${listenOverflows}`);
  // the histogram: 0 and 1, 2 and 3 at the adds; every overflow found 4 (limit + 1)
  assert.deepEqual(s.hist.buckets.map((b) => [b.low, b.high, b.count]), [[0, 1, 2], [2, 3, 2], [4, 7, s.overflows]]);
  assert.equal(s.synacks, counters.synacks, 'SYN-ACKs = what nftables saw leave');
  assert.ok(s.synacks >= 7 + 3, `7 first SYN-ACKs and A's retransmits: ${s.synacks}`);
  assert.equal(s.max_synq, 4, "A's three request sockets and B's own");
  assert.deepEqual(probe.lost(), { full: 0, refused: 0, untracked: 0 });
});
}

test('a listener made before tracing, accepting: named by its accept() or its inode', kernelOpts(), async () => {
  const ns = new Netns('netdxsyn');
  const l = workload(ns, 'listen', '--host', '127.0.0.1', '--backlog', '16', '--hold', '2000');
  const port = (await l.wait('listening')).port as number;
  const probe = startTcpSynbl({ netns: netnsInode(ns.name) });
  let r: TcpSynblReport;
  try {
    await workload(ns, 'connect', '--host', '127.0.0.1', '--port', String(port), '--count', '5', '--hold', '200').done();
    r = probe.sample();
  } finally {
    probe.stop();
  }
  assert.deepEqual(r.listeners.map((x) => [x.lport, x.pid, x.comm, x.limit, x.conns, x.synacks, x.overflows]), [[port, l.pid, 'python3', 16, 5, 5, 0]]);
});

/** Runs `netdx tcpsynbl ARGS`; `during` runs once it is tracing. */
async function cli(args: string[], during: () => Promise<unknown>): Promise<{ code: number | null; out: string[]; err: string[] }> {
  const t = await startTracing('tcpsynbl', args);
  const closed = new Promise<number | null>((r) => t.cp.on('close', r));
  await during();
  return { code: await closed, out: t.out, err: t.err };
}

test('CLI: -i 1 -d 2.5 --json sums to the exact answer over intervals; SYN-path refusals are not ACK overflows', kernelOpts(), async () => {
  const ns = new Netns('netdxsyn');
  const before = overflows(ns);
  let got: { port: number; pid: number } | undefined;
  const r = await cli(['--netns', ns.name, '-i', '1', '-d', '2.5', '--json'], async () => { got = await fillAcceptQueue(ns); });
  assert.equal(r.code, 0, r.err.join('\n'));
  assert.equal(r.out.length, 3, r.out.join('\n'));
  const objs = r.out.map((l) => JSON.parse(l) as { ts: string; interval_s: number; listeners: TcpSynblListener[] });
  for (const o of objs) assert.deepEqual(Object.keys(o), ['ts', 'interval_s', 'listeners']);
  const rows = objs.flatMap((o) => o.listeners);
  assert.ok(rows.length >= 1 && rows.every((x) => x.lport === got!.port && x.pid === got!.pid && x.limit === 3), JSON.stringify(rows));
  const sum = (f: (x: TcpSynblListener) => number) => rows.reduce((n, x) => n + f(x), 0);
  assert.deepEqual([sum((x) => x.conns), sum((x) => x.overflows), sum((x) => x.synacks)], [4, 0, 4]);
  assert.equal(Math.max(...rows.map((x) => x.max_queue)), 4);
  assert.equal(overflows(ns) - before, 3, 'the 3 refused SYNs are in TcpExtListenOverflows, not in the tool');
});

test('CLI text: the table, then BCC-style histograms within 100 columns; --summary: the table', kernelOpts(), async () => {
  const ns = new Netns('netdxsyn');
  for (const summary of [false, true]) {
    let got: { port: number; pid: number } | undefined;
    const r = await cli(['--netns', ns.name, '-d', '2', ...(summary ? ['--summary'] : [])], async () => { got = await fillAcceptQueue(ns); });
    assert.equal(r.code, 0, r.err.join('\n'));
    assert.match(r.out[0]!, /^PID +COMM +IP +LPORT +LIMIT +CONNS +MAX_QUEUE +ACK_OVERFLOWS +SYNACKS +MAX_SYNQ$/);
    assert.match(r.out[1]!, new RegExp(`^${got!.pid} +python3 +4 +${got!.port} +3 +4 +4 +0 +4 +\\d+$`));
    assert.equal(r.out.includes(`backlog_max = 3, port ${got!.port} (IPv4, pid ${got!.pid} python3)`), !summary, r.out.join('\n'));
    assert.ok(r.out.every((l) => [...l].length <= 100));
  }
  const empty = await cli(['--netns', ns.name, '-d', '0.5'], async () => {});
  assert.deepEqual(empty.out, ['no handshake completed on a listener in this interval']);
});

test('CLI: bad input is one line and exit 1', kernelOpts(), () => {
  assertUsageErrors('tcpsynbl', [['-4', '-6'], ['--netns', 'no-such-ns-here'], ['-D', '80'], ['-c', '2'], ['-i', '0'], ['-L', '1,2,3,4,5,6,7,8,9'], ['-p', '0']]);
});

function handleOf(ns: Netns, comment: string): string {
  const out = ns.exec('nft', ['-a', 'list', 'chain', 'inet', 'synbl', 'in']);
  const line = out.split('\n').find((x) => x.includes(`"${comment}"`));
  const m = line && /# handle (\d+)/.exec(line);
  if (!m) throw new Error(`no rule ${comment}: ${out}`);
  return m[1]!;
}
