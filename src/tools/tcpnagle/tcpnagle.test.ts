// Kernel tests for tcpnagle: request/response clients that write each 100-byte request in two
// 50-byte writes, one with Nagle on and one with TCP_NODELAY, against servers that answer once a
// whole request is in (two namespaces joined by a veth). With Nagle on, the second write waits for
// the ACK of the first, which the server delays (40 ms) once out of quick-ACK mode: those
// requests take the application 40 ms or more, and each is one long hold. TCP_NODELAY: no hold.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { kernelOpts, vethPair, type Netns, PYTHON } from '../../testlib/kernel.js';
import { CLI_MAIN, startTracing } from '../../testlib/cli.js';
import { netnsInode } from '../../core/kit/filter.js';
import { startTcpNagle, type TcpNagleReport } from './lib.js';

/** The first line a child prints. */
function firstLine(cp: ChildProcess): Promise<string> {
  return createInterface({ input: cp.stdout! })[Symbol.asyncIterator]().next().then((l) => String(l.value));
}

/** A server on 198.18.0.2 that answers 10 bytes to each whole 100-byte request; prints its port. */
async function server(ns: Netns): Promise<number> {
  const cp = ns.spawn(PYTHON, ['-c', `import socket
s = socket.socket(); s.bind(("198.18.0.2", 0)); s.listen(1)
print(s.getsockname()[1], flush=True)
s.settimeout(10)
c, _ = s.accept()
buf = b""
while True:
    d = c.recv(65536)
    if not d: break
    buf += d
    while len(buf) >= 100:
        buf = buf[100:]
        c.sendall(b"r" * 10)`]);
  return Number(await firstLine(cp));
}

/** A client that waits 1 s, then makes `n` requests (two writes each); prints each one's ms. */
function client(ns: Netns, port: number, n: number, nodelay: boolean): { cp: ChildProcess; ms: Promise<number[]> } {
  const cp = ns.spawn(PYTHON, ['-c', `import socket, time, json
time.sleep(1)
c = socket.create_connection(("198.18.0.2", ${port}), timeout=5)
c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, ${nodelay ? 1 : 0})
out = []
for i in range(${n}):
    t = time.monotonic()
    c.send(b"h" * 50)
    c.send(b"b" * 50)
    got = 0
    while got < 10:
        got += len(c.recv(10 - got))
    out.append((time.monotonic() - t) * 1000)
print(json.dumps(out), flush=True)
c.close()`]);
  return { cp, ms: firstLine(cp).then((l) => JSON.parse(l) as number[]) };
}

const LONG_US = 16384; // a log2 bucket's edge: delayed ACKs are 40 ms, quick ones tens of µs

for (const via of ['raw_tp', 'tracepoint', 'tp_btf'] as const) {
test(`Nagle on: one long hold per request the application saw take 16 ms or more; TCP_NODELAY: none (${via})`, kernelOpts(), async () => {
  const { a, b } = vethPair();
  const probe = startTcpNagle({ netns: netnsInode(a.name) }, { via });
  assert.equal(probe.via, via);
  try {
    const nagle = client(a, await server(b), 20, false);
    const nodelay = client(a, await server(b), 20, true);
    const [ms, msNd] = [await nagle.ms, await nodelay.ms];
    const r: TcpNagleReport = probe.sample();
    assert.equal(r.flows.length, 1, JSON.stringify(r.flows));
    const f = r.flows[0]!;
    assert.deepEqual([f.pid, f.comm, f.laddr, f.raddr], [nagle.cp.pid, 'python3', '198.18.0.1', '198.18.0.2']);
    const slow = ms.filter((x) => x >= LONG_US / 1000);
    assert.ok(slow.length >= 5, `requests held for a delayed ACK: ${slow.length} of 20 (${ms.map((x) => x.toFixed(1))})`);
    const long = f.hist.buckets.filter((x) => x.low >= LONG_US).reduce((n, x) => n + x.count, 0);
    assert.equal(long, slow.length, 'one long hold per slow request');
    assert.ok(f.holds >= long && f.holds <= 20, `${f.holds} holds`);
    assert.ok(f.total_ms <= ms.reduce((s, x) => s + x, 0), 'held no longer than the requests took');
    assert.ok(f.max_ms >= 30 && f.max_ms <= Math.max(...ms), `${f.max_ms} ms the longest`);
    assert.ok(msNd.every((x) => x < LONG_US / 1000), `TCP_NODELAY: every request prompt (${msNd.map((x) => x.toFixed(2))})`);
    assert.deepEqual(r.hist.buckets, f.hist.buckets);
  } finally {
    probe.stop();
  }
  assert.deepEqual(probe.lost(), { full: 0, refused: 0, untracked: 0 });
});
}

test('CLI: -p of the TCP_NODELAY client --json: no hold; -p of the other --summary: its row; bad input', kernelOpts(), async () => {
  const { a, b } = vethPair();
  const nagle = client(a, await server(b), 10, false);
  const nodelay = client(a, await server(b), 10, true);
  const t = await startTracing('tcpnagle', ['-p', String(nodelay.cp.pid), '--json', '--netns', a.name, '-d', '2.5']);
  const t2 = await startTracing('tcpnagle', ['-p', String(nagle.cp.pid), '--summary', '--netns', a.name, '-d', '2.5']);
  await nagle.ms;
  await nodelay.ms;
  assert.equal(await t.exit, 0, t.err.join('\n'));
  assert.equal(await t2.exit, 0, t2.err.join('\n'));
  assert.equal(t.out.length, 1);
  const r = JSON.parse(t.out[0]!) as TcpNagleReport;
  assert.deepEqual([r.flows, r.hist.buckets], [[], []], 'TCP_NODELAY: no hold');
  assert.match(t2.out[0]!, /^PID\s+COMM\s+LPORT\s+RADDR:RPORT\s+HOLDS\s+TOTAL_ms\s+AVG_ms\s+MAX_ms$/);
  assert.equal(t2.out.filter((l) => l.startsWith(`${nagle.cp.pid} `)).length, 1, t2.out.join('\n'));
  for (const args of [['-p', '0'], ['--netns', 'no-such-ns-here'], ['-i', '0'], ['-L', '70000']]) {
    const x = spawnSync(process.execPath, [CLI_MAIN, 'tcpnagle', ...args, '-d', '1'], { encoding: 'utf8' });
    assert.equal(x.status, 1, `${args.join(' ')}: exit 1 (${x.stderr})`);
    assert.equal(x.stderr.trim().split('\n').length, 1, x.stderr);
  }
});
