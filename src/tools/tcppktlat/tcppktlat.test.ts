// Kernel tests for tcppktlat: a receiver in one namespace that, each time data is waiting (select
// says so), sleeps a set time before reading it; a client in another namespace sends a message
// and waits for a one-byte answer before the next. Each read must show a wait of at least the
// sleep (and not much more), with the reader's PID.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { kernelOpts, vethPair, type Netns, PYTHON } from '../../testlib/kernel.js';
import { CLI_MAIN, startTracing } from '../../testlib/cli.js';
import { netnsInode } from '../../core/kit/filter.js';
import { startEvents } from '../../core/kit/events.js';
import { TCPPKTLAT, type TcpPktLatEvent } from './lib.js';

/** A receiver on 198.18.0.2 that sleeps delays[i] ms once message i is waiting, then reads it. */
function slowReader(ns: Netns, delays: number[]): { cp: ChildProcess; port: Promise<number>; reads: Promise<number[]> } {
  const cp = ns.spawn(PYTHON, ['-c', `import socket, select, time
s = socket.socket(); s.bind(("198.18.0.2", 0)); s.listen(1)
print(s.getsockname()[1], flush=True)
c, _ = s.accept()
got = []
for d in ${JSON.stringify(delays)}:
    select.select([c], [], [], 5)
    time.sleep(d / 1000)
    got.append(len(c.recv(65536)))
    c.sendall(b"k")
print(" ".join(map(str, got)), flush=True)
time.sleep(0.5)`]);
  const lines = createInterface({ input: cp.stdout! })[Symbol.asyncIterator]();
  const port = lines.next().then((l) => Number(l.value));
  const reads = port.then(() => lines.next()).then((l) => String(l.value).split(' ').map(Number));
  return { cp, port, reads };
}

/** A client in `ns` that sends `count` messages of 1000 bytes, each after the last one's answer. */
function client(ns: Netns, port: number, count: number): ChildProcess {
  return ns.spawn(PYTHON, ['-c', `import socket
c = socket.create_connection(("198.18.0.2", ${port}), timeout=5)
for i in range(${count}):
    c.sendall(b"x" * 1000)
    c.recv(1)
c.close()`]);
}

const exited = (cp: ChildProcess) => new Promise((r) => (cp.exitCode !== null ? r(null) : cp.on('exit', r)));

for (const via of ['raw_tp', 'tracepoint', 'tp_btf'] as const) {
test(`each read waited at least the reader's sleep (${via})`, kernelOpts(), async () => {
  const { a, b } = vethPair();
  const events: TcpPktLatEvent[] = [];
  const probe = startEvents(TCPPKTLAT, (e) => events.push(e), { filter: { netns: netnsInode(b.name) }, via });
  try {
    const delays = [300, 100, 200, 300, 150];
    const r = slowReader(b, delays);
    const port = await r.port;
    const c = client(a, port, delays.length);
    assert.deepEqual(await r.reads, delays.map(() => 1000), 'each read took one whole message');
    await exited(c);
    probe.poll();
    assert.equal(events.length, delays.length, JSON.stringify(events));
    events.forEach((e, i) => {
      assert.ok(e.latency_ms >= delays[i]! && e.latency_ms < delays[i]! + 50, `read ${i}: ${e.latency_ms} ms, the reader slept ${delays[i]} ms`);
      assert.deepEqual([e.pid, e.comm, e.laddr, e.lport, e.raddr, e.family], [r.cp.pid, 'python3', '198.18.0.2', port, '198.18.0.1', 4]);
    });
    await exited(r.cp);
  } finally {
    probe.stop();
  }
  assert.deepEqual(probe.lost(), { full: 0, refused: 0, untracked: 0 });
});
}

test('CLI: -p --min --json: one reader\'s long waits only, not another reader\'s; bad input', kernelOpts(), async () => {
  const { a, b } = vethPair();
  const delays = [50, 300, 20, 250];
  const r = slowReader(b, delays);
  const port = await r.port;
  // another slow reader in the same namespace, which only -p leaves out
  const r2 = slowReader(b, [400]);
  const port2 = await r2.port;
  const t = await startTracing('tcppktlat', ['-p', String(r.cp.pid), '--min', '200', '--json', '--netns', b.name, '-d', '2.5']);
  const c = client(a, port, delays.length);
  const c2 = client(a, port2, 1);
  assert.equal(await t.exit, 0, t.err.join('\n'));
  await exited(c);
  await exited(c2);
  assert.deepEqual(await r2.reads, [1000]);
  const evs = t.out.map((x) => JSON.parse(x) as TcpPktLatEvent);
  assert.deepEqual(evs.map((e) => [e.pid, e.lport]), [[r.cp.pid, port], [r.cp.pid, port]], t.out.join('\n'));
  assert.ok(evs[0]!.latency_ms >= 300 && evs[0]!.latency_ms < 350 && evs[1]!.latency_ms >= 250 && evs[1]!.latency_ms < 300, t.out.join('\n'));
  for (const args of [['--min', '-1'], ['-p', '0'], ['--netns', 'no-such-ns-here'], ['--cgroup', '/no/such/cgroup']]) {
    const x = spawnSync(process.execPath, [CLI_MAIN, 'tcppktlat', ...args, '-d', '1'], { encoding: 'utf8' });
    assert.equal(x.status, 1, `${args.join(' ')}: exit 1 (${x.stderr})`);
    assert.equal(x.stderr.trim().split('\n').length, 1, x.stderr);
  }
});
