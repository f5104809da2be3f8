// Kernel tests for tcpwin: a Reno flow between two namespaces with one data packet dropped (so
// ssthresh is set), then quiet; the server's late reply is the socket's last segment, and the
// values tcpwin reports with it equal what ss -tim shows of the same socket afterwards.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync, type ChildProcess } from 'node:child_process';
import { kernelOpts, vethPair, type Netns, PYTHON } from '../../testlib/kernel.js';
import { CLI_MAIN, startTracing } from '../../testlib/cli.js';
import { settled, ssInfo, ssNumber } from '../../testlib/tcpinfo.js';
import { nft, nftCounters, workload } from '../../testlib/traffic.js';
import { netnsInode } from '../../core/kit/filter.js';
import { startEvents } from '../../core/kit/events.js';
import { TCPWIN, type TcpWinEvent } from './lib.js';

/** skmem:(r0,rb131072,t0,tb87040,...) -> { r: 0, rb: 131072, t: 0, tb: 87040, ... } */
function skmem(s: string): Record<string, number> {
  return Object.fromEntries(s.replace(/[()]/g, '').split(',').map((x) => { const m = /^([a-z]+)(\d+)$/.exec(x)!; return [m[1]!, Number(m[2])]; }));
}

for (const via of ['raw_tp', 'tracepoint', 'tp_btf'] as const) {
test(`the last event of a socket equals ss -tim: cwnd, ssthresh, snd_wnd, rtt, sndbuf, queued; with its owner (${via})`, kernelOpts(), async () => {
  const { a, b } = vethPair();
  a.exec('sysctl', ['-qw', 'net.ipv4.tcp_congestion_control=reno']);
  const events: TcpWinEvent[] = [];
  const probe = startEvents(TCPWIN, (e) => events.push(e), { filter: { netns: netnsInode(a.name) }, options: { interval: 100 }, via });
  assert.equal(probe.via, via);
  try {
    // b never reads (its window stays put) and answers 1000 bytes 1.5 s after accepting
    const l = workload(b, 'listen', '--host', '198.18.0.2', '--reply', '1000', '--reply-after', '1500', '--hold', '4000');
    const port = (await l.wait('listening')).port as number;
    // the client's second data packet is dropped once: a loss, so Reno sets ssthresh
    nft(b, `table inet t13c {\n chain in {\n  type filter hook input priority 0;\n  meta length > 1000 tcp dport ${port} numgen inc mod 1000000 == 1 counter drop comment "loss"\n }\n}\n`);
    const c = workload(a, 'connect', '--host', '198.18.0.2', '--port', String(port), '--send', '40000', '--hold', '3000');
    await c.wait('connect');
    // the reply is in, and nothing moves
    await settled(a, () => ssNumber(a, `dport = :${port}`, 'bytes_received') >= 1000);
    const ss = ssInfo(a, `dport = :${port}`);
    probe.poll();
    assert.equal(nftCounters(b, 't13c').loss, 1, 'one packet dropped');
    const mine = events.filter((e) => e.rport === port);
    assert.ok(mine.length >= 2, `${mine.length} events`);
    assert.ok(mine.every((e) => e.skaddr === mine[0]!.skaddr && e.laddr === '198.18.0.1' && e.raddr === '198.18.0.2'));
    assert.equal(events.length, mine.length, 'nothing else in the namespace');
    for (let i = 1; i < mine.length; i++) assert.ok(mine[i]!.ts_ns - mine[i - 1]!.ts_ns >= 100e6, 'one event per 100 ms at most');
    const last = mine[mine.length - 1]!;
    assert.equal(last.data_len, 1000, 'the last is the reply');
    assert.deepEqual([last.pid, last.comm], [c.pid, 'python3'], 'the owner, though the segment came in softirq');
    const mem = skmem(ss.skmem!);
    assert.ok(ss.ssthresh !== undefined, `ss shows an ssthresh: ${JSON.stringify(ss)}`);
    assert.deepEqual(
      { cwnd: last.cwnd, ssthresh: last.ssthresh, snd_wnd: last.snd_wnd, srtt_us: last.srtt_us, sndbuf: last.sndbuf, wmem_queued: last.wmem_queued },
      { cwnd: Number(ss.cwnd), ssthresh: Number(ss.ssthresh), snd_wnd: Number(ss.snd_wnd), srtt_us: Math.round(Number(ss.rtt!.split('/')[0]) * 1000), sndbuf: mem.tb, wmem_queued: mem.w });
    await c.done();
  } finally {
    probe.stop();
  }
  assert.deepEqual(probe.lost(), { full: 0, refused: 0, untracked: 0 });
});
}

/** A client in `ns` that connects after 1 s, sends 1000 bytes and reads the reply to its end. */
function lateClient(ns: Netns, port: number): ChildProcess {
  return ns.spawn(PYTHON, ['-c', `import socket, time
time.sleep(1)
c = socket.create_connection(("fd00::2", ${port}), timeout=5)
c.sendall(b"x" * 1000)
n = 0
while n < 20000:
    d = c.recv(65536)
    if not d: break
    n += len(d)
print(n, flush=True)
time.sleep(1)`]);
}

test('CLI: -I 0 --json -p: every segment of that process only; bad input', kernelOpts(), async () => {
  const { a, b } = vethPair();
  const l = workload(b, 'listen', '--host', 'fd00::2', '--reply', '20000', '--reply-after', '300', '--hold', '4000', '--read');
  const port = (await l.wait('listening')).port as number;
  // two clients, each owner named to the cache by its first send; -p follows the first only
  const c = lateClient(a, port);
  const other = lateClient(a, port);
  const t = await startTracing('tcpwin', ['-I', '0', '--json', '-p', String(c.pid), '-6', '--netns', a.name, '-d', '2.5']);
  assert.equal(await t.exit, 0, t.err.join('\n'));
  for (const x of [c, other]) await new Promise((r) => (x.exitCode !== null ? r(null) : x.on('exit', r)));
  const evs = t.out.map((x) => JSON.parse(x) as TcpWinEvent);
  assert.ok(evs.length >= 2, `${evs.length} events`);
  assert.ok(evs.every((e) => e.pid === c.pid && e.family === 6 && e.raddr === 'fd00::2' && e.rport === port), JSON.stringify(evs[0]));
  assert.equal(evs.reduce((n, e) => n + e.data_len, 0), 20000, 'every byte of its reply, once');
  for (const args of [['-I', '-1'], ['-p', '0'], ['--netns', 'no-such-ns-here'], ['-D', 'x']]) {
    const x = spawnSync(process.execPath, [CLI_MAIN, 'tcpwin', ...args, '-d', '1'], { encoding: 'utf8' });
    assert.equal(x.status, 1, `${args.join(' ')}: exit 1 (${x.stderr})`);
    assert.equal(x.stderr.trim().split('\n').length, 1, x.stderr);
  }
});
