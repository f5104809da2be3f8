// Kernel tests for tcplife: real loopback sessions with known payloads in child processes;
// every assertion is about this test's own ports and PIDs (the tracepoint sees the machine).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { statSync } from 'node:fs';
import { kernelOpts, track, REPO_ROOT, Netns, bpfProgIds, progsLeft } from '../../testlib/kernel.js';
import { startTracing } from '../../testlib/cli.js';
import { TcpLifeTracer } from './lib.js';
import type { TcpLifeEvent } from './decode.js';

const LOAD = `${REPO_ROOT}dist/testlib/tcpload.js`;
// The built CLI itself: scripts/test.sh has already run the launcher's setup.
const NETDX = `${REPO_ROOT}dist/netdx.cjs`;

interface Session { i: number; lport: number; up: number; down: number }

function lines(cp: ChildProcess, stream: 'stdout' | 'stderr' = 'stdout'): AsyncIterableIterator<string> {
  return createInterface({ input: cp[stream]! })[Symbol.asyncIterator]();
}

async function startServer(host: string): Promise<{ cp: ChildProcess; port: number }> {
  const cp = track(spawn(process.execPath, [LOAD, 'server', host], { stdio: ['ignore', 'pipe', 'inherit'] }));
  const first = await lines(cp).next();
  const m = /^PORT (\d+)$/.exec(String(first.value));
  assert.ok(m, `server on ${host} printed its port (got ${String(first.value)})`);
  return { cp, port: Number(m[1]) };
}

async function runClient(host: string, port: number, n: number, par: number): Promise<{ pid: number; sessions: Session[] }> {
  const cp = track(spawn(process.execPath, [LOAD, 'client', host, String(port), String(n), String(par)], { stdio: ['ignore', 'pipe', 'inherit'] }));
  const sessions: Session[] = [];
  let done = false;
  for await (const l of lines(cp)) {
    if (l === 'DONE') { done = true; break; }
    sessions.push(JSON.parse(l) as Session);
  }
  const code = await new Promise<number | null>((r) => (cp.exitCode !== null ? r(cp.exitCode) : cp.on('exit', r)));
  assert.ok(done && code === 0, `client finished cleanly (code ${code})`);
  return { pid: cp.pid!, sessions };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const startCli = (args: string[]) => startTracing('tcplife', args);

function checkSide(evs: TcpLifeEvent[], sessions: Session[], pid: number, side: 'client' | 'server', family: 4 | 6) {
  assert.equal(evs.length, sessions.length, `${side}: one event per session`);
  const byPort = new Map<number, TcpLifeEvent[]>();
  for (const e of evs) {
    const key = side === 'client' ? e.lport : e.rport;
    byPort.set(key, [...(byPort.get(key) ?? []), e]);
  }
  for (const s of sessions) {
    const got = byPort.get(s.lport);
    assert.ok(got && got.length === 1, `${side}: session with client port ${s.lport} reported exactly once (got ${got?.length ?? 0})`);
    const e = got[0]!;
    assert.equal(e.family, family);
    assert.equal(e.pid, pid, `${side} pid`);
    assert.equal(e.comm, 'node');
    assert.equal(e.tx_bytes, side === 'client' ? s.up : s.down, `${side} tx bytes of session ${s.i}`);
    assert.equal(e.rx_bytes, side === 'client' ? s.down : s.up, `${side} rx bytes of session ${s.i}`);
    assert.ok(e.duration_ms > 0 && e.duration_ms < 30_000);
  }
}

for (const [via, n] of [['raw_tp', 250], ['tp_btf', 60], ['tracepoint', 60]] as const) {
test(`${n} IPv4 and ${n} IPv6 sessions (${via}): each reported once, exact bytes, ports, PIDs`, kernelOpts(), async () => {
  const events: TcpLifeEvent[] = [];
  const tracer = TcpLifeTracer.start({}, (e) => events.push(e), { via });
  assert.equal(tracer.via, via);
  let lost = { full: -1, refused: -1, untracked: -1 };
  try {
    for (const [host, family] of [['127.0.0.1', 4], ['::1', 6]] as const) {
      const srv = await startServer(host);
      const cli = await runClient(host, srv.port, n, 4);
      await sleep(300);
      tracer.poll();
      const mine = events.filter((e) => e.lport === srv.port || e.rport === srv.port);
      checkSide(mine.filter((e) => e.rport === srv.port), cli.sessions, cli.pid, 'client', family);
      checkSide(mine.filter((e) => e.lport === srv.port), cli.sessions, srv.cp.pid!, 'server', family);
      const addr = family === 4 ? '127.0.0.1' : '::1';
      assert.ok(mine.every((e) => e.laddr === addr && e.raddr === addr), 'addresses');
      srv.cp.kill('SIGKILL');
    }
  } finally {
    lost = tracer.stop();
  }
  assert.deepEqual(lost, { full: 0, refused: 0, untracked: 0 }, 'no event lost');
});
}

test('a storm of 5,000 short connections is reported with zero loss (CLI, --json, -D)', kernelOpts(), async () => {
  const srv = await startServer('127.0.0.1');
  const cli = await startCli(['--json', '-D', String(srv.port)]);
  const t0 = Date.now();
  const client = await runClient('127.0.0.1', srv.port, 5000, 16);
  const seconds = (Date.now() - t0) / 1000;
  await sleep(300);
  cli.cp.kill('SIGINT');
  assert.equal(await cli.exit, 0);
  const evs = cli.out.map((l) => JSON.parse(l) as TcpLifeEvent);
  assert.equal(evs.length, 5000, `every session reported (storm took ${seconds.toFixed(1)} s)`);
  assert.ok(evs.every((e) => e.rport === srv.port && e.pid === client.pid), 'only the client side, the client PID');
  const up = new Map(client.sessions.map((s) => [s.lport, s]));
  // Ports may be reused across the storm (tcp_tw_reuse on loopback): compare byte totals.
  assert.equal(evs.reduce((a, e) => a + e.tx_bytes, 0), client.sessions.reduce((a, s) => a + s.up, 0));
  assert.equal(evs.reduce((a, e) => a + e.rx_bytes, 0), client.sessions.reduce((a, s) => a + s.down, 0));
  assert.equal(up.size, new Set(evs.map((e) => e.lport)).size, 'the same client ports as the client saw');
  assert.ok(!cli.err.some((l) => /lost/.test(l)), `no lost events reported: ${cli.err.join(' | ')}`);
  srv.cp.kill('SIGKILL');
});

test('filters: -L, -p, -4 and -6 keep exactly the matching sessions', kernelOpts(), async () => {
  const v4 = await startServer('127.0.0.1');
  const v6 = await startServer('::1');
  const runs = {
    lport: await startCli(['--json', '-L', `${v4.port},${v6.port}`]),
    four: await startCli(['--json', '-4', '-D', `${v4.port},${v6.port}`]),
    six: await startCli(['--json', '-6', '-L', `${v4.port},${v6.port}`]),
  };
  const c4 = await runClient('127.0.0.1', v4.port, 40, 2);
  const byPid = await startCli(['--json', '-p', String(v6.cp.pid)]);
  const c6 = await runClient('::1', v6.port, 30, 2);
  await sleep(300);
  const evs: Record<string, TcpLifeEvent[]> = {};
  for (const [k, r] of Object.entries({ ...runs, byPid })) {
    r.cp.kill('SIGTERM');
    assert.equal(await r.exit, 0, `${k} exits 0 on SIGTERM`);
    evs[k] = r.out.map((l) => JSON.parse(l) as TcpLifeEvent);
  }
  assert.equal(evs.lport!.length, 70, '-L: the server side of both');
  assert.ok(evs.lport!.every((e) => e.lport === v4.port || e.lport === v6.port));
  assert.equal(evs.four!.length, 40, '-4 -D: the IPv4 client side');
  assert.ok(evs.four!.every((e) => e.family === 4 && e.pid === c4.pid));
  assert.equal(evs.six!.length, 30, '-6 -L: the IPv6 server side');
  assert.ok(evs.six!.every((e) => e.family === 6 && e.pid === v6.cp.pid));
  assert.equal(evs.byPid!.length, 30, '-p: the IPv6 server process only');
  assert.ok(evs.byPid!.every((e) => e.pid === v6.cp.pid && e.lport === v6.port));
  assert.deepEqual(evs.six!.map((e) => e.rport).sort(), c6.sessions.map((x) => x.lport).sort(), '-6: exactly the client ports of the IPv6 sessions');
  v4.cp.kill('SIGKILL');
  v6.cp.kill('SIGKILL');
});

const tcplifeProgIds = () => bpfProgIds((n) => n.startsWith('tcplife_'));

test('no program or link survives SIGINT, SIGTERM, SIGKILL or -d', kernelOpts(), async () => {
  for (const how of ['SIGINT', 'SIGTERM', 'SIGKILL', '-d'] as const) {
    const before = tcplifeProgIds();
    const r = await startCli(how === '-d' ? ['-d', '0.5'] : []);
    const during = [...tcplifeProgIds()].filter((id) => !before.has(id));
    assert.ok(during.length >= 1, `${how}: its programs are loaded while tracing`);
    if (how !== '-d') r.cp.kill(how);
    const code = await r.exit;
    if (how !== 'SIGKILL') assert.equal(code, 0, `${how}: exit 0`);
    assert.deepEqual(await progsLeft(during), [], `${how}: none of its programs remain`);
  }
});

function runNetdx(args: string[], opts: { prefix?: string[] } = {}): { code: number; stderr: string; stdout: string } {
  const cmd = opts.prefix ? opts.prefix[0]! : process.execPath;
  const argv = opts.prefix ? [...opts.prefix.slice(1), process.execPath, NETDX, ...args] : [NETDX, ...args];
  try {
    const stdout = execFileSync(cmd, argv, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    return { code: 0, stderr: '', stdout };
  } catch (e) {
    const x = e as { status: number; stderr: string; stdout: string };
    return { code: x.status, stderr: x.stderr, stdout: x.stdout };
  }
}

test('bad input and missing privilege: one line, non-zero exit', kernelOpts(), () => {
  for (const args of [['--bogus'], ['-L', '70000'], ['-D', 'http'], ['-4', '-6'], ['-d', '-1'], ['-p', 'x'], ['-p', '999999999']]) {
    const r = runNetdx(['tcplife', ...args]);
    assert.equal(r.code, 1, `${args.join(' ')} exits 1`);
    assert.equal(r.stderr.trim().split('\n').length, 1, `${args.join(' ')}: one line: ${r.stderr}`);
    assert.match(r.stderr, /^netdx: /);
  }
  assert.equal(runNetdx(['tcplife', '-p', '999999999']).stderr.trim(), 'netdx: parsing -p: no process 999999999');
  // Root without capabilities: the kernel refuses the load; netdx says so and exits 2.
  const r = runNetdx(['tcplife', '-d', '1'], { prefix: ['setpriv', '--bounding-set=-all', '--inh-caps=-all', '--reuid=0'] });
  assert.equal(r.code, 2);
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  assert.match(r.stderr, /CAP_BPF/);
});

test('-T prints when the session closed, not when netdx got to print it', kernelOpts(), async () => {
  const srv = await startServer('127.0.0.1');
  const cli = await startCli(['-T', '-D', String(srv.port)]);
  // netdx is stopped while the session runs and for 2.5 s after: the event waits in the ring.
  cli.cp.kill('SIGSTOP');
  let closedAt = 0;
  try {
    await runClient('127.0.0.1', srv.port, 1, 1);
    closedAt = Date.now();
    await sleep(2500);
  } finally {
    cli.cp.kill('SIGCONT');
  }
  await sleep(300);
  cli.cp.kill('SIGINT');
  assert.equal(await cli.exit, 0);
  const rows = cli.out.filter((l) => /^\d\d:\d\d:\d\d /.test(l));
  assert.equal(rows.length, 1, cli.out.join('\n'));
  const [h, m, s] = rows[0]!.slice(0, 8).split(':').map(Number) as [number, number, number];
  const printed = new Date(closedAt);
  printed.setHours(h, m, s, 0);
  const diff = printed.getTime() - closedAt;
  assert.ok(diff <= 0 && diff > -1500, `printed ${rows[0]!.slice(0, 8)}, closed at ${new Date(closedAt).toTimeString().slice(0, 8)}`);
  srv.cp.kill('SIGKILL');
});

test('a full session table is counted: 10 concurrent sessions, room for 4 sockets, 16 untracked', kernelOpts(), async () => {
  const ns = new Netns('netdxtl');
  const netns = statSync(`/run/netns/${ns.name}`).ino;
  const events: TcpLifeEvent[] = [];
  const tracer = TcpLifeTracer.start({ netns }, (e) => events.push(e), { maxSessions: 4 });
  let lost = { full: -1, refused: -1, untracked: -1 };
  try {
    const child = ns.spawn(process.execPath, ['--input-type=module', '-e', `
      import net from 'node:net';
      import { createInterface } from 'node:readline';
      const accepted = [];
      const srv = net.createServer((s) => accepted.push(s));
      await new Promise((r) => srv.listen(0, '127.0.0.1', r));
      const clients = await Promise.all(Array.from({ length: 10 }, () =>
        new Promise((r) => { const c = net.connect(srv.address().port, '127.0.0.1', () => r(c)); })));
      while (accepted.length < 10) await new Promise((r) => setTimeout(r, 10));
      console.log('READY');
      for await (const l of createInterface({ input: process.stdin })) break;
      for (const c of clients) c.destroy();
      await new Promise((r) => setTimeout(r, 200));
      for (const s of accepted) s.destroy();
      srv.close();
      await new Promise((r) => setTimeout(r, 200));
      console.log('DONE');`]);
    const out = lines(child);
    assert.equal((await out.next()).value, 'READY');
    child.stdin!.write('close\n');
    assert.equal((await out.next()).value, 'DONE');
    await sleep(200);
    tracer.poll();
  } finally {
    lost = tracer.stop();
  }
  assert.equal(events.length, 4, 'the 4 tracked sockets are reported');
  assert.deepEqual(lost, { full: 0, refused: 0, untracked: 16 }, 'the other 16 are counted, not lost silently');
});
