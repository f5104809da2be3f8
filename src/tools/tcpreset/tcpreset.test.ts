// Kernel tests for tcpreset: resets with known reasons on the loopback of a namespace this test
// makes: connects to a closed port (NO_SOCKET), closes with SO_LINGER 0 (TCP_STATE) and closes
// with unread data (TCP_ABORT_ON_CLOSE). The namespace holds nothing else, so its counters are
// the oracle: TcpOutRsts, TcpAttemptFails, TcpExtTCPAbortOnData, TcpExtTCPAbortOnClose.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { kernelOpts, Netns, progMisses, skipped } from '../../testlib/kernel.js';
import { CLI_MAIN, startTracing } from '../../testlib/cli.js';
import { counterDelta, traceNetns, workload } from '../../testlib/traffic.js';
import { TCPRESET, type TcpResetEvent } from './lib.js';

const COUNTERS = ['TcpOutRsts', 'TcpAttemptFails', 'TcpExtTCPAbortOnData', 'TcpExtTCPAbortOnClose'];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The three cases, one after the other; the PIDs and ports each side had. */
async function resets(ns: Netns) {
  const closed = workload(ns, 'connect', '--host', '127.0.0.1', '--port', '9', '--count', '3');
  await closed.done();
  const l1 = workload(ns, 'listen', '--host', '127.0.0.1', '--hold', '2000');
  const p1 = (await l1.wait('listening')).port as number;
  const linger = workload(ns, 'connect', '--host', '127.0.0.1', '--port', String(p1), '--count', '2', '--linger0', '--hold', '100');
  await linger.done();
  // the listener answers 100 bytes that the client never reads
  const l2 = workload(ns, 'listen', '--host', '::1', '--hold', '2000', '--reply', '100');
  const p2 = (await l2.wait('listening')).port as number;
  const unread = workload(ns, 'connect', '--host', '::1', '--port', String(p2), '--count', '2', '--hold', '200');
  await unread.done();
  await sleep(100);
  return { closed, l1, p1, linger, l2, p2, unread };
}

const ports = (w: ReturnType<typeof workload>) => w.all('connect').map((c) => c.sport as number).sort();
const sorted = (l: number[]) => [...l].sort();

for (const via of ['raw_tp', 'tracepoint', 'tp_btf'] as const) {
  test(`resets sent with their reasons and received with their states; sent = TcpOutRsts (${via})`, kernelOpts(), async (t) => {
    const ns = new Netns('netdxrs');
    const { netns, events, probe, before } = traceNetns(TCPRESET, ns, via);
    assert.equal(probe.via, via);
    let lost;
    try {
      const { closed, l1, p1, linger, l2, p2, unread } = await resets(ns);
      probe.poll();
      const d = counterDelta(ns, before, COUNTERS);
      const sent = events.filter((e) => e.dir === 'sent');
      const got = events.filter((e) => e.dir === 'received');
      if (skipped(t, via, progMisses())) {
        assert.ok(sent.length <= d.TcpOutRsts! && sent.length > 0);
        return;
      }
      assert.equal(sent.length, d.TcpOutRsts, `resets sent: ${JSON.stringify(d)}`);
      assert.equal(sent.length, 7);

      const noSock = sent.filter((e) => e.reason === 'NO_SOCKET');
      assert.deepEqual(sorted(noSock.map((e) => e.rport)), ports(closed), 'NO_SOCKET: one per refused connect, to its port');
      assert.ok(noSock.every((e) => !e.socket && e.pid === 0 && e.comm === '' && e.state === '-' && e.lport === 9 && e.laddr === '127.0.0.1' && e.netns === netns));
      const linger0 = sent.filter((e) => e.reason === 'TCP_STATE');
      assert.equal(linger0.length, d.TcpExtTCPAbortOnData);
      assert.deepEqual(sorted(linger0.map((e) => e.lport)), ports(linger), 'TCP_STATE: SO_LINGER 0, from the client sockets');
      assert.ok(linger0.every((e) => e.socket && e.pid === linger.pid && e.comm === 'python3' && e.rport === p1 && e.state === 'CLOSE'));
      const abort = sent.filter((e) => e.reason === 'TCP_ABORT_ON_CLOSE');
      assert.equal(abort.length, d.TcpExtTCPAbortOnClose);
      assert.deepEqual(sorted(abort.map((e) => e.lport)), ports(unread), 'TCP_ABORT_ON_CLOSE: closed with unread data');
      assert.ok(abort.every((e) => e.socket && e.pid === unread.pid && e.family === 6 && e.laddr === '::1' && e.rport === p2 && e.state === 'CLOSE'));
      assert.equal(noSock.length + linger0.length + abort.length, sent.length, 'no other reason');

      // received: by the refused clients in SYN_SENT, and by the servers' accepted sockets
      const refused = got.filter((e) => e.state === 'SYN_SENT');
      assert.equal(refused.length, d.TcpAttemptFails);
      assert.deepEqual(sorted(refused.map((e) => e.lport)), ports(closed));
      assert.ok(refused.every((e) => e.pid === closed.pid && e.rport === 9 && e.reason === '' && e.socket));
      const s1 = got.filter((e) => e.lport === p1);
      const s2 = got.filter((e) => e.lport === p2);
      assert.deepEqual(sorted(s1.map((e) => e.rport)), ports(linger));
      assert.deepEqual(sorted(s2.map((e) => e.rport)), ports(unread));
      assert.ok(s1.every((e) => e.pid === l1.pid && e.state === 'ESTABLISHED') && s2.every((e) => e.pid === l2.pid && e.state === 'ESTABLISHED'));
      assert.equal(got.length, 3 + 2 + 2, 'nothing else received');
    } finally {
      lost = probe.stop();
    }
    assert.deepEqual(lost, { full: 0, refused: 0, untracked: 0 });
  });
}

test('CLI: --json, the table within 100 columns, -L; bad input', kernelOpts(), async () => {
  const ns = new Netns('netdxrs');
  const json = await startTracing('tcpreset', ['--json', '--netns', ns.name]);
  const table = await startTracing('tcpreset', ['--netns', ns.name, '-4']);
  const only9 = await startTracing('tcpreset', ['--netns', ns.name, '-L', '9']);
  const { closed, linger } = await resets(ns);
  for (const r of [json, table, only9]) {
    r.cp.kill('SIGINT');
    assert.equal(await r.exit, 0, r.err.join('\n'));
  }
  const objs = json.out.map((l) => JSON.parse(l) as TcpResetEvent);
  assert.equal(objs.length, 14);
  assert.deepEqual(Object.keys(objs[0]!), ['ts_ns', 'pid', 'comm', 'netns', 'family', 'laddr', 'lport', 'raddr', 'rport', 'state', 'dir', 'reason', 'socket']);
  const [header, ...rows] = table.out;
  assert.equal(header, 'PID     COMM            LADDR           LPORT RADDR           RPORT STATE       RESET');
  assert.equal(rows.length, 10, '-4: the IPv6 resets are not shown');
  assert.ok(table.out.every((l) => l.length <= 100), table.out.join('\n'));
  assert.ok(rows.some((l) => new RegExp(`^- +- +127\\.0\\.0\\.1 +9 127\\.0\\.0\\.1 +${ports(closed)[0]} - +NO_SOCKET$`).test(l)), rows.join('\n'));
  assert.ok(rows.some((l) => new RegExp(`^${linger.pid} +python3 +127\\.0\\.0\\.1 +${ports(linger)[0]} 127\\.0\\.0\\.1 +\\d+ CLOSE +TCP_STATE$`).test(l)), rows.join('\n'));
  // -L 9: the resets sent from port 9 (no socket) only
  assert.equal(only9.out.length, 1 + 3, only9.out.join('\n'));
  for (const args of [['--bogus'], ['-L', '0'], ['--netns', 'netdx-no-such-namespace'], ['-4', '-6']]) {
    const r = spawnSync(process.execPath, [CLI_MAIN, 'tcpreset', ...args], { encoding: 'utf8' });
    assert.equal(r.status, 1, `${args.join(' ')} exits 1 (${r.stderr.trim()})`);
    assert.match(r.stderr, /^netdx: [^\n]+\n$/, `${args.join(' ')}: one line`);
  }
});
