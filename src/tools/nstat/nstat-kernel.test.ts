// Kernel tests for nstat: known traffic inside a network namespace this test creates (the
// /proc/net counters are per-netns, and a fresh one is quiet), read through the library run by
// a node child inside that netns, exact deltas asserted. Oracle: iproute2's nstat in the same
// netns: the same names and values as `netdx nstat -a -z --json`, the same bytes from -j, and the
// same history behaviour (-r, -n, -s, patterns), each tool with its own history file. The CLI's
// history goes to a directory of this test file's (NETDX_NSTAT_HISTORY, set by testlib/kernel).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { kernelOpts, Netns, nodeEval, track, PYTHON } from '../../testlib/kernel.js';
import { GAUGES, NSTAT_HIDDEN, parseAllCounters, type Counters } from '../../core/proc/snmp.js';
import { readCounters } from './lib.js';
import { counterMeaning } from './meanings.js';

const LIB = new URL('./lib.js', import.meta.url).href;
const NETDX = fileURLToPath(new URL('../../netdx.cjs', import.meta.url));

/**
 * Runs `action` (JS source, an async function body with `port` in scope) inside the netns
 * between two readings of the counters, and returns the deltas of the named counters.
 */
function deltasAround(ns: Netns, names: string[], action: string): Record<string, number> {
  const code = `
    import { readCounters } from ${JSON.stringify(LIB)};
    import dgram from 'node:dgram';
    import net from 'node:net';
    const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
    const names = ${JSON.stringify(names)};
    const before = readCounters();
    await (async () => { ${action} })();
    await sleep(100);
    const after = readCounters();
    const out = {};
    for (const n of names) out[n] = Number((after.get(n) ?? 0n) - (before.get(n) ?? 0n));
    process.stdout.write(JSON.stringify(out));
    process.exit(0);`;
  return JSON.parse(nodeEval(code, ns)) as Record<string, number>;
}

test('UDP datagrams to a closed port count exactly in UdpNoPorts', kernelOpts(), () => {
  const ns = new Netns('netdxns');
  const N = 25;
  const d = deltasAround(ns, ['UdpNoPorts', 'UdpOutDatagrams', 'UdpInDatagrams', 'Udp6NoPorts'], `
    const s = dgram.createSocket('udp4');
    for (let i = 0; i < ${N}; i++) await new Promise((r) => s.send(Buffer.from('x'), 9, '127.0.0.1', r));
    s.close();`);
  assert.deepEqual(d, { UdpNoPorts: N, UdpOutDatagrams: N, UdpInDatagrams: 0, Udp6NoPorts: 0 });
  ns.delete();
});

test('IPv6 UDP to a closed port counts in Udp6NoPorts (snmp6)', kernelOpts(), () => {
  const ns = new Netns('netdxns');
  const N = 7;
  const d = deltasAround(ns, ['Udp6NoPorts', 'Udp6OutDatagrams', 'UdpNoPorts'], `
    const s = dgram.createSocket('udp6');
    for (let i = 0; i < ${N}; i++) await new Promise((r) => s.send(Buffer.from('x'), 9, '::1', r));
    s.close();`);
  assert.deepEqual(d, { Udp6NoPorts: N, Udp6OutDatagrams: N, UdpNoPorts: 0 });
  ns.delete();
});

test('refused connections count in TcpAttemptFails, TcpOutRsts and TcpActiveOpens', kernelOpts(), () => {
  const ns = new Netns('netdxns');
  const N = 6;
  const d = deltasAround(ns, ['TcpActiveOpens', 'TcpAttemptFails', 'TcpOutRsts', 'TcpPassiveOpens', 'TcpEstabResets'], `
    for (let i = 0; i < ${N}; i++) {
      await new Promise((r) => { const c = net.connect(9, '127.0.0.1'); c.on('error', r); c.on('connect', () => { c.destroy(); r(); }); });
    }`);
  assert.deepEqual(d, { TcpActiveOpens: N, TcpAttemptFails: N, TcpOutRsts: N, TcpPassiveOpens: 0, TcpEstabResets: 0 });
  ns.delete();
});

test('a listener with backlog 1 that never accepts counts ListenOverflows for the rest', kernelOpts(), async () => {
  const ns = new Netns('netdxns');
  const PORT = 40123;
  const K = 8;
  // The listener blocks its event loop after listen(), so nothing is ever accepted; the accept
  // queue takes backlog + 1 = 2 connections and the kernel drops the other SYNs at the listener.
  const listener = track(spawn('ip', ['netns', 'exec', ns.name, process.execPath, '-e', `
    const net = require('node:net'); const fs = require('node:fs');
    net.createServer().listen(${PORT}, '127.0.0.1', 1, () => {
      fs.writeSync(1, 'ready\\n');
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20000);
      process.exit(0);
    });`], { stdio: ['ignore', 'pipe', 'inherit'] }));
  await new Promise<void>((resolve, reject) => {
    listener.stdout!.once('data', () => resolve());
    listener.once('exit', (c) => reject(new Error(`listener exited early (${c})`)));
  });
  // Read well before the first SYN retransmission (1 s), so each dropped SYN counts once.
  const d = deltasAround(ns, ['TcpExtListenOverflows', 'TcpExtListenDrops', 'TcpPassiveOpens', 'TcpActiveOpens'], `
    const socks = [];
    for (let i = 0; i < ${K}; i++) { const c = net.connect(${PORT}, '127.0.0.1'); c.on('error', () => {}); socks.push(c); }
    await sleep(300);
    for (const c of socks) c.destroy();`);
  listener.kill('SIGKILL');
  assert.deepEqual(d, { TcpExtListenOverflows: K - 2, TcpExtListenDrops: K - 2, TcpPassiveOpens: 2, TcpActiveOpens: K });
  ns.delete();
});

function run(ns: Netns, cmd: string, args: string[]): string {
  return ns.exec(cmd, args);
}

test('oracle: nstat -az in the same quiet netns gives the same names and values as netdx nstat -a -z --json', kernelOpts(), () => {
  const ns = new Netns('netdxns');
  // Some traffic first, so that the comparison is not only zeros.
  deltasAround(ns, [], `
    const s = dgram.createSocket('udp4');
    for (let i = 0; i < 5; i++) await new Promise((r) => s.send(Buffer.from('x'), 9, '127.0.0.1', r));
    s.close();
    await new Promise((r) => { const c = net.connect(9, '127.0.0.1'); c.on('error', r); });`);
  const ours = JSON.parse(run(ns, process.execPath, [NETDX, 'nstat', '-a', '-z', '--json'])) as Record<string, number>;
  // -s: do not touch nstat's history file; -a: values since the netns was made.
  const theirs = (JSON.parse(run(ns, 'nstat', ['-a', '-s', '-z', '--json'])) as { kernel: Record<string, number> }).kernel;
  const visible = Object.fromEntries(Object.entries(ours).filter(([n]) => !NSTAT_HIDDEN.has(n)));
  assert.deepEqual(Object.keys(visible), Object.keys(theirs), 'same names in the same order');
  assert.deepEqual(visible, theirs, 'same values');
  assert.equal(ours.UdpNoPorts, 5);
  for (const h of NSTAT_HIDDEN) assert.ok(h in ours, `${h} is reported as a value`);
  ns.delete();
});

test('netdx nstat -i --json: one object per interval with exact deltas, rates and gauges', kernelOpts(), async () => {
  const ns = new Netns('netdxns');
  const cli = track(spawn('ip', ['netns', 'exec', ns.name, process.execPath, NETDX, 'nstat', '-i', '2', '-c', '2', '--json', 'Udp*', 'TcpCurrEstab'],
    { stdio: ['ignore', 'pipe', 'pipe'] }));
  let out = '';
  cli.stdout!.on('data', (b: Buffer) => { out += b.toString(); });
  const exit = new Promise<number | null>((r) => cli.on('exit', r));
  // The CLI takes its first sample as it starts (~0.2 s); the traffic falls in the first interval.
  await new Promise((r) => setTimeout(r, 800));
  nodeEval(`
    import dgram from 'node:dgram';
    const s = dgram.createSocket('udp4');
    for (let i = 0; i < 11; i++) await new Promise((r) => s.send(Buffer.from('x'), 9, '127.0.0.1', r));
    s.close();`, ns);
  assert.equal(await exit, 0);
  const objs = out.trim().split('\n').map((l) => JSON.parse(l) as { seconds: number; deltas: Record<string, number>; rates: Record<string, number>; gauges: Record<string, number> });
  assert.equal(objs.length, 2);
  const [a, b] = objs as [typeof objs[0], typeof objs[0]];
  assert.deepEqual(a.deltas, { UdpNoPorts: 11, UdpOutDatagrams: 11 }, 'zeros suppressed, filters applied');
  assert.ok(a.seconds >= 1.9 && a.seconds < 3, `interval ${a.seconds} s`);
  assert.equal(a.rates.UdpNoPorts, Math.round((11 / a.seconds) * 1000) / 1000);
  assert.deepEqual(a.gauges, {}, 'TcpCurrEstab is 0: suppressed');
  assert.deepEqual(b.deltas, {});
  ns.delete();
});

test('--netns reads another namespace\'s counters from outside; patterns match case-insensitively', kernelOpts(), () => {
  const ns = new Netns('netdxnsn');
  // 37 datagrams to a closed port inside the namespace
  nodeEval(`import dgram from 'node:dgram';
    const s = dgram.createSocket('udp4');
    for (let i = 0; i < 37; i++) await new Promise((r) => s.send('x', 9, '127.0.0.1', r));
    s.close();`, ns);
  const run = (args: string[]) => JSON.parse(spawnSyncText(process.execPath, [NETDX, 'nstat', ...args])) as Record<string, number>;
  const outside = run(['-a', '--json', '--netns', ns.name, 'udp*noports']);
  assert.deepEqual(outside, { UdpNoPorts: 37 }, 'the namespace\'s own counter, by a lower-case pattern');
  const inside = JSON.parse(ns.exec(process.execPath, [NETDX, 'nstat', '-a', '--json', 'UdpNoPorts'])) as Record<string, number>;
  assert.deepEqual(inside, outside);
});

function spawnSyncText(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

/** The three files read directly inside the namespace (cat), parsed: the kernel's own numbers. */
function direct(ns: Netns): Counters {
  return parseAllCounters({
    snmp: ns.exec('cat', ['/proc/net/snmp']), snmp6: ns.exec('cat', ['/proc/net/snmp6']), netstat: ns.exec('cat', ['/proc/net/netstat']),
  });
}

// Bounded loopback traffic inside the namespace: one TCP connection carrying 200 kB each way
// then closed, and `udp` datagrams to a closed port; then 300 ms for delayed ACKs to settle.
const TRAFFIC = (udp: number) => `
import socket, threading, time
l = socket.socket(); l.bind(('127.0.0.1', 0)); l.listen(1); port = l.getsockname()[1]
def serve():
    a, _ = l.accept(); a.settimeout(5); n = 0
    while n < 200000:
        b = a.recv(65536)
        if not b: break
        n += len(b)
    a.sendall(b'y' * 200000); a.close()
t = threading.Thread(target=serve); t.start()
c = socket.create_connection(('127.0.0.1', port), timeout=5); c.sendall(b'x' * 200000)
got = 0
while True:
    b = c.recv(65536)
    if not b: break
    got += len(b)
c.close(); t.join(5); l.close()
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(${udp}): u.sendto(b'x', ('127.0.0.1', 9))
u.close(); time.sleep(0.3)
print(got)
`;

function netdx(ns: Netns, args: string[]): string {
  return ns.exec(process.execPath, [NETDX, 'nstat', ...args]);
}

test('history: a plain run shows exactly what the kernel counted since the last run', kernelOpts(), () => {
  const ns = new Netns('netdxnsh');
  const before = direct(ns);
  const first = netdx(ns, []);
  assert.match(first.split('\n')[0]!, /^# \d\d:\d\d:\d\d values since boot \(or the namespace's creation\): no history yet$/);
  assert.deepEqual(direct(ns), before, 'quiet while netdx ran');
  assert.equal(ns.exec(PYTHON, ['-c', TRAFFIC(9)]).trim(), '200000');
  const after = direct(ns);
  const second = JSON.parse(netdx(ns, ['--json', '-z'])) as { since: string; seconds: number; deltas: Record<string, number>; gauges: Record<string, number> };
  assert.deepEqual(direct(ns), after, 'quiet while netdx ran');
  // every counter: netdx's delta is the kernel's own change between the two runs
  const want: Record<string, number> = {};
  for (const [n, v] of after) if (!GAUGES.has(n)) want[n] = Number(v - (before.get(n) ?? 0n));
  assert.deepEqual(second.deltas, want);
  assert.equal(second.deltas.UdpNoPorts, 9);
  assert.equal(second.deltas.TcpActiveOpens, 1);
  assert.equal(second.deltas.TcpPassiveOpens, 1);
  assert.ok(second.deltas.IpExtInOctets! > 400_000, 'the transfer both ways');
  assert.deepEqual(second.gauges, { TcpCurrEstab: 0, MPTcpExtMPCurrEstab: 0 });
  assert.ok(Date.parse(second.since) > 0 && second.seconds > 0, `since ${second.since}, ${second.seconds} s`);
  // nothing since: nothing shown; the table says over what
  const third = netdx(ns, []);
  assert.match(third, /^# \d\d:\d\d:\d\d over \d+\.\d{3} s since the last run \(\d\d:\d\d:\d\d\)\nCOUNTER +DELTA +RATE\/s +MEANING\n$/);
  // the history file: one per namespace, private
  const dir = process.env.NETDX_NSTAT_HISTORY!;
  const file = join(dir, `net-${statSync(`/run/netns/${ns.name}`).ino}.json`);
  assert.equal(statSync(file).mode & 0o777, 0o600);
  assert.ok(!readdirSync(dir).some((f) => f.endsWith('.tmp')), 'no temporary file left');
  ns.delete();
});

test('-j, -r, -n, -s and patterns: the same bytes as iproute2 nstat, each with its own history', kernelOpts(), () => {
  const ns = new Netns('netdxnsj');
  const tmp = mkdtempSync(join(tmpdir(), 'netdx-nstat-oracle-'));
  try {
    const theirs = (args: string[]) => ns.exec('env', [`NSTAT_HISTORY=${tmp}/nstat.hist`, 'nstat', ...args]);
    const udp = (n: number) => nodeEval(`import dgram from 'node:dgram';
      const s = dgram.createSocket('udp4');
      for (let i = 0; i < ${n}; i++) await new Promise((r) => s.send('x', 9, '127.0.0.1', r));
      s.close();`, ns);
    const steps: Array<string[] | number> = [
      ['-n'], 3, ['-j', '-s'], ['-z', '-j', '-s'], ['-a', '-j', '-s'], ['-a', '-z', '-j', '-s'], ['-j', '-p', '-s'],
      ['-z', '-j', '-p', '-s', 'icmp*', 'tcp*'],
      ['-j', 'Udp*'], 2, ['-j', '-s'], ['-j'], ['-j'], 1, ['-s', '-j', 'udpno*'], ['-n'], ['-j'],
      ['-r', '-j', 'UdpNo*'], ['-j'], 1, ['-a', '-j', 'UdpNoPorts'], ['-j'], ['-r', '-s', '-j', 'Ip*'], ['-j', 'IpExtInOctets'],
      ['-r', '-n'], 2, ['-n', '-s'], ['-j', '-z', 'UdpNoPorts'],
      ['-r', '-n', '-z'], 2, ['-j', 'UdpNo*'], ['-j', '-s'], 1, ['-j', '-z', '-s', 'Icmp*Type3'], ['-j'],
    ];
    let nonEmpty = 0;
    for (const step of steps) {
      if (typeof step === 'number') { udp(step); continue; }
      const ours = netdx(ns, step);
      assert.equal(ours, theirs(step), `netdx nstat ${step.join(' ')}`);
      if (/"[A-Za-z0-9]+": ?\d/.test(ours)) nonEmpty++;
    }
    assert.ok(nonEmpty >= 12, `${nonEmpty} steps showed counters`);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  ns.delete();
});

test('separate namespaces keep separate histories; --netns uses the namespace\'s own', kernelOpts(), () => {
  const a = new Netns('netdxnsa');
  const b = new Netns('netdxnsb');
  for (const ns of [a, b]) netdx(ns, ['-n']);
  nodeEval(`import dgram from 'node:dgram';
    const s = dgram.createSocket('udp4');
    for (let i = 0; i < 5; i++) await new Promise((r) => s.send('x', 9, '127.0.0.1', r));
    s.close();`, a);
  assert.equal(netdx(b, ['-j', '-s']), '{"kernel":{}}\n', 'nothing moved in b');
  // from outside, by --netns: the same history as inside a
  const outside = spawnSync(process.execPath, [NETDX, 'nstat', '--netns', a.name, '-j', 'UdpNoPorts'], { encoding: 'utf8' });
  assert.equal(outside.status, 0, outside.stderr);
  assert.equal(outside.stdout, '{"kernel":{"UdpNoPorts":5}}\n');
  assert.equal(netdx(a, ['-j', 'UdpNoPorts']), '{"kernel":{}}\n', 'the run from outside updated a\'s history');
  const files = readdirSync(process.env.NETDX_NSTAT_HISTORY!);
  for (const ns of [a, b]) assert.ok(files.includes(`net-${statSync(`/run/netns/${ns.name}`).ino}.json`), ns.name);
  a.delete();
  b.delete();
});

test('-i with -j: nstat\'s shape per interval', kernelOpts(), async () => {
  const ns = new Netns('netdxnsi');
  const cli = track(spawn('ip', ['netns', 'exec', ns.name, process.execPath, NETDX, 'nstat', '-i', '2', '-c', '1', '-j', 'Udp*'],
    { stdio: ['ignore', 'pipe', 'pipe'] }));
  let out = '';
  cli.stdout!.on('data', (b: Buffer) => { out += b.toString(); });
  const exit = new Promise<number | null>((r) => cli.on('exit', r));
  await new Promise((r) => setTimeout(r, 800));
  nodeEval(`import dgram from 'node:dgram';
    const s = dgram.createSocket('udp4');
    for (let i = 0; i < 11; i++) await new Promise((r) => s.send('x', 9, '127.0.0.1', r));
    s.close();`, ns);
  assert.equal(await exit, 0);
  assert.equal(out, '{"kernel":{"UdpNoPorts":11,"UdpOutDatagrams":11}}\n');
  ns.delete();
});

test('every counter of the running kernel has a meaning: on the host and in a fresh namespace', kernelOpts(), () => {
  const host = [...readCounters().keys()];
  const ns = new Netns('netdxnsm');
  const fresh = [...direct(ns).keys()];
  assert.ok(host.length > 300 && fresh.length > 300, `${host.length} and ${fresh.length} counters`);
  assert.deepEqual(host.filter((n) => !counterMeaning(n)), [], 'host');
  assert.deepEqual(fresh.filter((n) => !counterMeaning(n)), [], 'fresh namespace');
  ns.delete();
});
