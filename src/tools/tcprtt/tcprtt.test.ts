// Kernel tests for tcprtt: real TCP flows between two namespaces joined by a veth, the probe
// filtered to one namespace. Oracles: the namespace's TcpInSegs (one per segment received; every
// one passes tcp_rcv_established once the handshake is done, except that segments queued in the
// socket's backlog while its owner held it may be merged into one: TcpExtTCPBacklogCoalesce
// counts those) and ss -ti's rtt of the socket.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { kernelOpts, vethPair, type Netns } from '../../testlib/kernel.js';
import { CLI_MAIN, startTracing } from '../../testlib/cli.js';
import { counter, settled, ssInfo, ssNumber } from '../../testlib/tcpinfo.js';
import { workload } from '../../testlib/traffic.js';
import { netnsInode } from '../../core/kit/filter.js';
import { totalCount } from '../../core/hist.js';
import { startTcpRtt, type TcpRttReport } from './lib.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Segments tcp_rcv_established() saw in the namespace: received, less those merged in a backlog. */
const inSegs = (ns: Netns) => counter(ns, 'TcpInSegs') - counter(ns, 'TcpExtTCPBacklogCoalesce');

for (const via of ['raw_tp', 'tracepoint', 'tp_btf'] as const) {
test(`every segment the client receives, at the srtt ss shows (${via})`, kernelOpts(), async () => {
  const { a, b } = vethPair();
  const probe = startTcpRtt({ netns: netnsInode(a.name) }, { via });
  assert.equal(probe.via, via);
  try {
    // b answers each connection with 50 kB (within the window of a client that never reads), 800 ms after accepting it
    const l = workload(b, 'listen', '--host', '198.18.0.2', '--reply', '50000', '--reply-after', '800', '--hold', '6000');
    const port = (await l.wait('listening')).port as number;
    const c = workload(a, 'connect', '--host', '198.18.0.2', '--port', String(port), '--hold', '4000');
    await c.wait('connect');
    await sleep(300); // the handshake is over; the reply has not begun
    probe.sample();
    const before = inSegs(a);
    // the reply is in and nothing moves (the client closes 4 s after connecting)
    await settled(a, () => ssNumber(a, `dport = :${port}`, 'bytes_received') >= 50000);
    const r: TcpRttReport = probe.sample();
    const segs = inSegs(a) - before;
    const rtt = ssInfo(a, `dport = :${port}`).rtt!.split('/')[0]!;
    const rttUs = Math.round(Number(rtt) * 1000);

    assert.ok(segs >= 3, `the reply came in ${segs} segments`);
    assert.equal(r.by, 'total');
    assert.equal(r.rows.length, 1);
    const h = r.rows[0]!;
    assert.equal(h.count, segs, 'one per segment TcpInSegs counted');
    assert.equal(totalCount(h.hist), segs);
    assert.equal(h.hist.unit, 'usecs');
    // the client sends no data: its srtt stays the handshake's sample, as ss shows it
    assert.equal(h.avg, rttUs, `avg srtt ${h.avg} µs, ss rtt ${rtt} ms`);
    assert.deepEqual(h.hist.buckets.filter((x) => x.count), [{ low: h.hist.buckets.find((x) => x.count)!.low, high: h.hist.buckets.find((x) => x.count)!.high, count: segs }]);
    const bucket = h.hist.buckets.find((x) => x.count)!;
    assert.ok(rttUs >= bucket.low && rttUs <= bucket.high, `${rttUs} µs in ${bucket.low}..${bucket.high}`);
    await c.done();
  } finally {
    probe.stop();
  }
  assert.deepEqual(probe.lost(), { full: 0, refused: 0, untracked: 0 });
});
}

test('--bylport: a histogram per server port; -L and -p (the server, named at accept) pick one', kernelOpts(), async () => {
  const { a, b } = vethPair();
  const ns = netnsInode(b.name);
  // b's two servers each answer their client with 50 kB at once; b receives the ACKs
  const l1 = workload(b, 'listen', '--host', '198.18.0.2', '--reply', '50000', '--hold', '6000');
  const l2 = workload(b, 'listen', '--host', '198.18.0.2', '--reply', '50000', '--hold', '6000');
  const p1 = (await l1.wait('listening')).port as number;
  const p2 = (await l2.wait('listening')).port as number;
  const byPort = startTcpRtt({ netns: ns }, { bylport: true });
  const onlyP1 = startTcpRtt({ netns: ns, lports: [p1] }, { bylport: true });
  const onlyL2 = startTcpRtt({ netns: ns, pid: l2.pid });
  try {
    const before = inSegs(b);
    for (const p of [p1, p2]) workload(a, 'connect', '--host', '198.18.0.2', '--port', String(p), '--hold', '4000');
    // both replies are in and acknowledged, nothing moves; nobody has closed yet
    await settled(b, () => [p1, p2].every((p) => ssNumber(b, `sport = :${p}`, 'bytes_acked') >= 50000));
    const [r, r1, r2] = [byPort.sample(), onlyP1.sample(), onlyL2.sample()];
    // each connection's SYN and last handshake ACK reach b before ESTABLISHED
    const segs = inSegs(b) - before - 4;
    assert.equal(r.by, 'lport');
    assert.deepEqual(r.rows.map((x) => x.lport), [p1, p2].sort((x, y) => x - y));
    const c1 = r.rows.find((x) => x.lport === p1)!.count;
    const c2 = r.rows.find((x) => x.lport === p2)!.count;
    assert.ok(c1 >= 3 && c2 >= 3, `${c1} and ${c2} ACKs`);
    assert.equal(c1 + c2, segs, 'the two ports hold every segment b received');
    assert.deepEqual(r1.rows.map((x) => [x.lport, x.count]), [[p1, c1]], '-L');
    assert.deepEqual(r2.rows.map((x) => [x.lport, x.count]), [[undefined, c2]], '-p');
  } finally {
    for (const p of [byPort, onlyP1, onlyL2]) p.stop();
  }
});

test('CLI: -b -m -6 --json --netns, Ctrl-C: one histogram per remote address, the ACKs the server gets; bad input', kernelOpts(), async () => {
  const { a, b } = vethPair();
  const l = workload(b, 'listen', '--host', 'fd00::2', '--reply', '50000', '--reply-after', '300', '--hold', '6000');
  const port = (await l.wait('listening')).port as number;
  const before = inSegs(b);
  const t = await startTracing('tcprtt', ['-b', '-m', '-6', '--json', '--netns', b.name]);
  const c = workload(a, 'connect', '--host', 'fd00::2', '--port', String(port), '--hold', '4000');
  await c.wait('connect');
  // the reply acknowledged and nothing moving, Ctrl-C: the report covers every ACK b got
  await settled(b, () => ssNumber(b, `sport = :${port}`, 'bytes_acked') >= 50000);
  t.cp.kill('SIGINT');
  assert.equal(await t.exit, 0, t.err.join('\n'));
  // the SYN and the handshake's last ACK reach b before ESTABLISHED: not tcp_probe's
  const segs = inSegs(b) - before - 2;
  assert.equal(t.out.length, 1, t.out.join('\n'));
  const r = JSON.parse(t.out[0]!) as TcpRttReport & { interval_s: number };
  assert.equal(r.by, 'raddr');
  assert.ok(segs >= 3, `${segs} ACKs`);
  assert.deepEqual(r.rows.map((x) => [x.raddr, x.count, x.hist.unit]), [['fd00::1', segs, 'msecs']]);
  // tens of µs on a veth: 0 ms
  assert.deepEqual(r.rows[0]!.hist.buckets, [{ low: 0, high: 1, count: segs }]);
  for (const args of [['-b', '--bylport'], ['--netns', 'no-such-ns-here'], ['-4', '-6'], ['-L', '0']]) {
    const x = spawnSync(process.execPath, [CLI_MAIN, 'tcprtt', ...args, '-d', '1'], { encoding: 'utf8' });
    assert.equal(x.status, 1, `${args.join(' ')}: exit 1 (${x.stderr})`);
    assert.equal(x.stderr.trim().split('\n').length, 1, x.stderr);
  }
});
