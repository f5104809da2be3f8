// Kernel tests for tcpconnect: connects with known outcomes and latencies inside a namespace the
// test makes (the tracepoint sees the whole machine; the probe is filtered to that namespace).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createInterface } from 'node:readline';
import { kernelOpts, vethPair, REPO_ROOT } from '../../testlib/kernel.js';
import { workload } from '../../testlib/traffic.js';
import { netnsInode } from '../../core/kit/filter.js';
import { startEvents } from '../../core/kit/events.js';
import { TCPCONNECT, type TcpConnectEvent } from './lib.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('outcomes: connected, refused, closed by the app first, and a SYN dropped by a full accept queue', kernelOpts(), async () => {
  const { a } = vethPair();
  const events: TcpConnectEvent[] = [];
  const probe = startEvents(TCPCONNECT, (e) => events.push(e), { filter: { netns: netnsInode(a.name) } });
  try {
    // 20 + 20 connects to listeners on 127.0.0.1 and ::1
    const l4 = workload(a, 'listen', '--host', '127.0.0.1', '--hold', '4000', '--read');
    const l6 = workload(a, 'listen', '--host', '::1', '--hold', '4000', '--read');
    const p4 = (await l4.wait('listening')).port as number;
    const p6 = (await l6.wait('listening')).port as number;
    const c4 = workload(a, 'connect', '--host', '127.0.0.1', '--port', String(p4), '--count', '20');
    const c6 = workload(a, 'connect', '--host', '::1', '--port', String(p6), '--count', '20');
    // 5 to a port nobody listens on (the listener's port + 1 is closed: bound by nobody here)
    const refused = workload(a, 'connect', '--host', '127.0.0.1', '--port', String(p4 === 65535 ? 1 : p4 + 1), '--count', '5');
    // the application gives up after 200 ms: nobody answers ARP for 198.18.0.99 on the veth
    const closed = workload(a, 'connect', '--host', '198.18.0.99', '--port', '80', '--close-after', '200');
    // listen(0) holds one connection unaccepted for 500 ms: the second SYN finds the accept queue
    // full and is dropped; the client's SYN retransmit after the initial RTO (1 s) gets in
    const slow = workload(a, 'listen', '--host', '127.0.0.1', '--backlog', '0', '--accept-after', '500', '--hold', '3000');
    const ps = (await slow.wait('listening')).port as number;
    const two = workload(a, 'connect', '--host', '127.0.0.1', '--port', String(ps), '--count', '2', '--hold', '100');
    for (const w of [c4, c6, refused, closed, two]) await w.done();
    await sleep(200);
    probe.poll();

    const of = (port: number) => events.filter((e) => e.dport === port);
    for (const [w, port, family, addr] of [[c4, p4, 4, '127.0.0.1'], [c6, p6, 6, '::1']] as const) {
      const got = of(port);
      assert.equal(got.length, 20, `IPv${family}: 20 connects`);
      assert.deepEqual(got.map((e) => e.sport).sort(), w.all('connect').map((x) => x.sport as number).sort(), 'the client ports');
      assert.ok(got.every((e) => e.result === 'OK' && e.err === 0 && e.pid === w.pid && e.comm === 'python3' && e.family === family
        && e.saddr === addr && e.daddr === addr && e.netns === netnsInode(a.name)), JSON.stringify(got[0]));
    }
    const ref = of(p4 === 65535 ? 1 : p4 + 1);
    assert.deepEqual(ref.map((e) => [e.result, e.err, e.pid]), Array(5).fill(['ECONNREFUSED', 111, refused.pid]));
    const cl = events.filter((e) => e.daddr === '198.18.0.99');
    assert.equal(cl.length, 1);
    assert.equal(cl[0]!.result, 'CLOSED');
    assert.ok(cl[0]!.latency_ms >= 190 && cl[0]!.latency_ms < 400, `closed after ~200 ms: ${cl[0]!.latency_ms}`);
    const sl = of(ps).sort((x, y) => x.latency_ms - y.latency_ms);
    assert.equal(sl.length, 2);
    assert.ok(sl[0]!.latency_ms < 50, `the first got into the queue at once: ${sl[0]!.latency_ms}`);
    const appMs = two.all('connect')[1]!.ms as number;
    assert.ok(sl[1]!.latency_ms >= 1000 && sl[1]!.latency_ms < 1400, `the second waited for the SYN retransmit: ${sl[1]!.latency_ms} ms`);
    assert.ok(Math.abs(sl[1]!.latency_ms - appMs) < 20, `kernel ${sl[1]!.latency_ms} ms vs the application's ${appMs} ms`);
    assert.equal(events.length, 20 + 20 + 5 + 1 + 2, 'nothing else in the namespace');
  } finally {
    const lost = probe.stop();
    assert.deepEqual(lost, { full: 0, refused: 0, untracked: 0 });
  }
});

test('CLI: --json --netns -x lists only failed connects; filters and bad input', kernelOpts(), async () => {
  const { a } = vethPair();
  const cp = spawn(process.execPath, [`${REPO_ROOT}dist/netdx.cjs`, 'tcpconnect', '-x', '--json', '--netns', a.name, '-d', '3'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  createInterface({ input: cp.stdout! }).on('line', (l) => lines.push(l));
  await new Promise<void>((r) => createInterface({ input: cp.stderr! }).on('line', (l) => { if (l.startsWith('Tracing')) r(); }));
  const l4 = workload(a, 'listen', '--host', '127.0.0.1', '--hold', '1500', '--read');
  const p = (await l4.wait('listening')).port as number;
  await workload(a, 'connect', '--host', '127.0.0.1', '--port', String(p), '--count', '3').done();
  const bad = workload(a, 'connect', '--host', '::1', '--port', String(p), '--count', '2');
  await bad.done();
  const code = await new Promise<number | null>((r) => cp.on('exit', r));
  assert.equal(code, 0);
  const evs = lines.map((l) => JSON.parse(l) as TcpConnectEvent);
  assert.deepEqual(evs.map((e) => [e.family, e.dport, e.result, e.pid]), [[6, p, 'ECONNREFUSED', bad.pid], [6, p, 'ECONNREFUSED', bad.pid]]);
  for (const args of [['-x', '-4', '-6'], ['--netns', 'no-such-ns-here'], ['-D', '1,2,3,4,5,6,7,8,9'], ['-d', '0']]) {
    const r = spawnSync(process.execPath, [`${REPO_ROOT}dist/netdx.cjs`, 'tcpconnect', ...args], { encoding: 'utf8' });
    assert.equal(r.status, 1, `${args.join(' ')}: exit 1 (${r.stderr})`);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  }
});
