// Kernel tests for nstat: known traffic inside a network namespace this test creates (the
// /proc/net counters are per-netns, and a fresh one is quiet), read through the library run by
// a node child inside that netns, exact deltas asserted. Oracle: iproute2's nstat in the same
// netns gives the same names and values as `netdx nstat -a -z --json`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { kernelOpts, Netns, nodeEval, track } from '../../testlib/kernel.js';
import { NSTAT_HIDDEN } from '../../core/proc/snmp.js';

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
