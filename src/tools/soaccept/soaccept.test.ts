// Kernel tests for soaccept: a Python server in one namespace accepts clients of known ports
// from the other end of a veth; the probe is filtered to the server's namespace.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createInterface } from 'node:readline';
import { kernelOpts, vethPair, type Netns, PYTHON } from '../../testlib/kernel.js';
import { assertBadInput, startTracing, type TracingCli } from '../../testlib/cli.js';
import { netnsInode } from '../../core/kit/filter.js';
import { startEvents } from '../../core/kit/events.js';
import { SOACCEPT, type SoAcceptEvent } from './lib.js';

interface Accepted { fd: number; newfd: number; raddr: string; rport: number; result: string; ms: number }

/** Python, in a: listeners on 198.18.0.1:7001 (backlog 16) and [fd00::1]:7001; three accept4()
 * calls (Python's accept), the second after a pause that lets two clients queue; one accept()
 * through libc; one non-blocking accept() with nothing pending. */
const SERVER = String.raw`
import ctypes, errno, json, os, socket, time
libc = ctypes.CDLL(None, use_errno=True)
l4, l6 = socket.socket(), socket.socket(socket.AF_INET6)
for l, addr in ((l4, '198.18.0.1'), (l6, 'fd00::1')):
    l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # the last run's TIME_WAITs
    l.bind((addr, 7001)); l.listen(16)
print(json.dumps(dict(event='listening', pid=os.getpid())), flush=True)
out, keep = [], []
def done(fd, t0, c, peer, err):
    out.append(dict(fd=fd, newfd=c.fileno() if c else -1, raddr=peer[0] if peer else '-', rport=peer[1] if peer else 0,
                    result='OK' if not err else errno.errorcode[err], ms=(time.monotonic() - t0) * 1000))
    if c: keep.append(c)
for i in range(3):
    t0 = time.monotonic(); c, peer = l4.accept(); done(l4.fileno(), t0, c, peer, 0)
    if i == 0: time.sleep(0.5)
t0 = time.monotonic(); nfd = libc.accept(l6.fileno(), None, None)
c6 = socket.socket(fileno=nfd); done(l6.fileno(), t0, c6, c6.getpeername(), 0)
l4.setblocking(False)
t0 = time.monotonic()
try:
    l4.accept()
except BlockingIOError as e:
    done(l4.fileno(), t0, None, None, e.errno)
print(json.dumps(dict(event='done', accepts=out)), flush=True)
`;

/** Python, in b: a client from port 40001 after 300 ms; 200 ms later 40002 and 40003; then
 * [fd00::2]:40004. Each holds its connection until the end. */
const CLIENTS = String.raw`
import socket, time
keep = []
def conn(fam, src, dst):
    c = socket.socket(fam); c.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    c.bind(src); c.connect(dst); keep.append(c)
time.sleep(0.3)
conn(socket.AF_INET, ('198.18.0.2', 40001), ('198.18.0.1', 7001))
time.sleep(0.2)
conn(socket.AF_INET, ('198.18.0.2', 40002), ('198.18.0.1', 7001))
conn(socket.AF_INET, ('198.18.0.2', 40003), ('198.18.0.1', 7001))
conn(socket.AF_INET6, ('fd00::2', 40004), ('fd00::1', 7001))
time.sleep(1)
`;

/** Runs the server in a and the clients in b (after `listening`, given the server's pid); the
 * server's pid and what each accept returned. */
async function serve(a: Netns, b: Netns, listening: (pid: number) => unknown = () => {}): Promise<{ pid: number; accepts: Accepted[] }> {
  const cp = a.spawn(PYTHON, ['-c', SERVER]);
  const lines: Array<Record<string, unknown>> = [];
  let wake = () => {};
  createInterface({ input: cp.stdout! }).on('line', (l) => { lines.push(JSON.parse(l) as Record<string, unknown>); wake(); });
  const next = async (event: string) => {
    for (let t = 0; t < 100 && !lines.some((l) => l.event === event); t++) await new Promise<void>((r) => { wake = r; setTimeout(r, 100); });
    const l = lines.find((x) => x.event === event);
    assert.ok(l, `the server said '${event}'`);
    return l;
  };
  const pid = (await next('listening')).pid as number;
  await listening(pid);
  const clients = b.spawn(PYTHON, ['-c', CLIENTS]);
  const accepts = (await next('done')).accepts as Accepted[];
  await new Promise((r) => clients.on('exit', r));
  return { pid, accepts };
}

test('each accept(): known peers, the wait, the queue left, accept() and accept4(), EAGAIN', kernelOpts(), async () => {
  const { a, b } = vethPair();
  const events: SoAcceptEvent[] = [];
  const probe = startEvents(SOACCEPT, (e) => events.push(e), { filter: { netns: netnsInode(a.name) } });
  try {
    const app = await serve(a, b);
    probe.poll();
    assert.deepEqual(events.map((e) => ({ fd: e.fd, newfd: e.newfd, raddr: e.raddr, rport: e.rport, result: e.result })),
      app.accepts.map(({ ms: _, ...x }) => x), 'every call, in order, as the server saw it');
    assert.deepEqual(events.map((e) => [e.rport, e.raddr, e.laddr, e.lport, e.proto, e.family, e.qlen, e.qmax, e.err]), [
      [40001, '198.18.0.2', '198.18.0.1', 7001, 'TCP', 'ipv4', 0, 16, 0],
      [40002, '198.18.0.2', '198.18.0.1', 7001, 'TCP', 'ipv4', 1, 16, 0],
      [40003, '198.18.0.2', '198.18.0.1', 7001, 'TCP', 'ipv4', 0, 16, 0],
      [40004, 'fd00::2', 'fd00::1', 7001, 'TCP', 'ipv6', 0, 16, 0],
      [0, '-', '-', 7001, 'TCP', 'ipv4', 0, 16, 11],
    ]);
    assert.deepEqual(events.map((e) => e.result).at(-1), 'EAGAIN');
    assert.ok(events.every((e) => e.pid === app.pid && e.tid === app.pid && e.comm === 'python3' && e.netns === netnsInode(a.name)));
    const first = events[0]!;
    assert.ok(first.latency_ms >= 290 && first.latency_ms < 5000, `the first accept waited for the client (300 ms after its start): ${first.latency_ms} ms`);
    assert.ok(Math.abs(first.latency_ms - app.accepts[0]!.ms) < 20, `kernel ${first.latency_ms} ms vs the server's ${app.accepts[0]!.ms}`);
    assert.ok(events.slice(1).every((e) => e.latency_ms < 50), 'the queued ones and EAGAIN return at once');
  } finally {
    assert.deepEqual(probe.stop(), { full: 0, refused: 0, untracked: 0 });
  }
});

test('CLI: --json --netns -D picks peers by port; -x only the failure; bad input', kernelOpts(), async () => {
  const { a, b } = vethPair();
  const run = async (args: string[]) => {
    const cli = await startTracing('soaccept', ['--json', '--netns', a.name, '-d', '4', ...args]);
    const app = await serve(a, b);
    assert.equal(await cli.exit, 0);
    return { app, evs: cli.out.map((l) => JSON.parse(l) as SoAcceptEvent) };
  };
  let { app, evs } = await run(['-D', '40002,40004']);
  assert.deepEqual(evs.map((e) => [e.pid, e.raddr, e.rport, e.newfd]), [[app.pid, '198.18.0.2', 40002, app.accepts[1]!.newfd], [app.pid, 'fd00::2', 40004, app.accepts[3]!.newfd]]);
  ({ app, evs } = await run(['-x', '-4']));
  assert.deepEqual(evs.map((e) => [e.pid, e.fd, e.newfd, e.result]), [[app.pid, app.accepts[4]!.fd, -1, 'EAGAIN']]);
  // -p: the server's calls, not another process's EAGAIN in the same namespace; the first call,
  // already blocked when tracing began, is not reported (its entry was not seen)
  let cli: TracingCli | undefined;
  const other = 'import socket\ns = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(); s.setblocking(False)\ntry: s.accept()\nexcept BlockingIOError: pass';
  app = await serve(a, b, async (pid) => {
    cli = await startTracing('soaccept', ['--json', '--netns', a.name, '-d', '3', '-p', String(pid)]);
    a.exec(PYTHON, ['-c', other]);
  });
  assert.equal(await cli!.exit, 0);
  assert.deepEqual(cli!.out.map((l) => JSON.parse(l) as SoAcceptEvent).map((e) => [e.pid, e.rport, e.result]),
    app.accepts.slice(1).map((x) => [app.pid, x.rport, x.result]));
  assertBadInput(a, 'soaccept', [['-x', '-4', '-6'], ['--netns', 'no-such-ns-here'], ['-L', '1,2,3,4,5,6,7,8,9'], ['-D', '65536'], ['--cgroup', 'no/such/cgroup']]);
});
