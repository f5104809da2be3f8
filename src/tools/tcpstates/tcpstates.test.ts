// Kernel tests for tcpstates: a known TCP lifecycle between two processes inside a network
// namespace this test creates, traced filtered by that namespace (the tracepoint sees the
// whole machine). The sequences asserted are the ones observed on this kernel (docs/tools/tcpstates.md).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createInterface } from 'node:readline';
import { kernelOpts, Netns } from '../../testlib/kernel.js';
import { CLI_MAIN, startTracing } from '../../testlib/cli.js';
import { netnsInode } from '../../core/kit/filter.js';
import { traceTcpStates, type TcpStateChange } from './lib.js';

const HOLD = 300; // ms both sides stay ESTABLISHED
const GAP = 200; // ms between the client's close and the server's
const MARGIN = 100; // ms a measured time may exceed its set delay by

// Waits at least `ms` from now, by hrtime: a timer alone may fire up to 1 ms early.
const WAIT = `const wait = async (ms) => { const t = process.hrtime.bigint(); await new Promise((r) => setTimeout(r, ms));
  while (process.hrtime.bigint() - t < BigInt(ms) * 1000000n); };`;
// Half-open allowed, so the server closes GAP ms after the client's FIN, not at once.
const SERVER = `import net from 'node:net'; ${WAIT}
  const [host, gap] = [process.argv[1], Number(process.argv[2])];
  const srv = net.createServer({ allowHalfOpen: true }, (s) => s.on('end', async () => {
    await wait(gap); s.end(); s.on('close', () => srv.close(() => console.log('DONE')));
  }));
  srv.listen(0, host, () => console.log(JSON.stringify({ pid: process.pid, port: srv.address().port })));`;
// how: 'close' (close(): the socket is orphaned) or 'shutdown' (shutdown(SHUT_WR), closed at EOF).
const CLIENT = `import net from 'node:net'; ${WAIT}
  const [host, port, hold, how] = [process.argv[1], Number(process.argv[2]), Number(process.argv[3]), process.argv[4]];
  const c = net.connect(port, host, async () => {
    console.log(JSON.stringify({ pid: process.pid, port: c.localPort }));
    await wait(hold);
    if (how === 'close') c.destroy(); else c.end();
  });
  c.on('close', () => console.log('DONE'));`;

type How = 'close' | 'shutdown';
interface Peer { pid: number; port: number }

async function runNode(ns: Netns, code: string, args: Array<string | number>): Promise<{ first: Peer; done: Promise<void> }> {
  const cp = ns.spawn(process.execPath, ['--input-type=module', '-e', code, ...args.map(String)]);
  const lines = createInterface({ input: cp.stdout! })[Symbol.asyncIterator]();
  const first = JSON.parse(String((await lines.next()).value)) as Peer;
  const done = (async () => {
    assert.equal((await lines.next()).value, 'DONE');
    await new Promise((r) => (cp.exitCode !== null ? r(0) : cp.on('exit', r)));
  })();
  return { first, done };
}

/** One lifecycle: listen, connect, both ESTABLISHED for HOLD ms, the client closes, the server GAP ms later. */
async function lifecycle(ns: Netns, host: string, how: How, listening?: (server: Peer) => void): Promise<{ server: Peer; client: Peer }> {
  const server = await runNode(ns, SERVER, [host, GAP]);
  listening?.(server.first);
  const client = await runNode(ns, CLIENT, [host, server.first.port, HOLD, how]);
  await Promise.all([client.done, server.done]);
  return { server: server.first, client: client.first };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const changes = (evs: TcpStateChange[]) => evs.map((e) => `${e.oldstate}>${e.newstate}`);
const within = (ms: number | null, set: number, what: string) =>
  assert.ok(ms !== null && ms >= set && ms < set + MARGIN, `${what}: ${ms} ms, set ${set} ms`);

/** The exact sequences, owners, ports, addresses and times of one lifecycle. */
function checkLifecycle(evs: TcpStateChange[], host: string, how: How, server: Peer, client: Peer, netns: number): void {
  const family = host.includes(':') ? 6 : 4;
  assert.ok(evs.every((e) => e.netns === netns && e.family === family && e.laddr === host && e.comm !== undefined));
  const bySocket = new Map<string, TcpStateChange[]>();
  for (const e of evs) bySocket.set(e.skaddr, [...(bySocket.get(e.skaddr) ?? []), e]);
  assert.equal(bySocket.size, 3, `three sockets: ${evs.map((e) => `${e.skaddr} ${e.lport} ${e.oldstate}>${e.newstate}`).join(', ')}`);
  const sock = (pred: (e: TcpStateChange) => boolean) => [...bySocket.values()].find((l) => pred(l[0]!)) ?? [];
  const listener = sock((e) => e.newstate === 'LISTEN');
  const active = sock((e) => e.newstate === 'SYN_SENT');
  const passive = sock((e) => e.newstate === 'SYN_RECV');

  assert.deepEqual(changes(listener), ['CLOSE>LISTEN', 'LISTEN>CLOSE']);
  assert.deepEqual(changes(active), ['CLOSE>SYN_SENT', 'SYN_SENT>ESTABLISHED', 'ESTABLISHED>FIN_WAIT1', 'FIN_WAIT1>FIN_WAIT2', 'FIN_WAIT2>CLOSE']);
  assert.deepEqual(changes(passive), ['LISTEN>SYN_RECV', 'SYN_RECV>ESTABLISHED', 'ESTABLISHED>CLOSE_WAIT', 'CLOSE_WAIT>LAST_ACK', 'LAST_ACK>CLOSE']);

  // The owner, also where the change ran in softirq; the passive socket's once accept() returned it.
  assert.deepEqual(listener.map((e) => e.pid), [server.pid, server.pid]);
  assert.deepEqual(active.map((e) => e.pid), Array(5).fill(client.pid));
  assert.deepEqual(passive.map((e) => e.pid), [0, 0, server.pid, server.pid, server.pid]);
  assert.ok([...listener, ...active, ...passive.slice(2)].every((e) => e.comm === 'node'));
  assert.ok(passive.slice(0, 2).every((e) => e.comm === ''));

  // Ports: the client's is 0 at SYN_SENT (connect() picks it after setting the state).
  const any = family === 4 ? '0.0.0.0' : '::';
  assert.ok(listener.every((e) => e.lport === server.port && e.raddr === any && e.rport === 0));
  assert.deepEqual(active.map((e) => e.lport), [0, client.port, client.port, client.port, client.port]);
  assert.ok(active.every((e) => e.raddr === host && e.rport === server.port));
  assert.ok(passive.every((e) => e.lport === server.port && e.raddr === host && e.rport === client.port));

  // Times: unknown at each socket's first change; then the delays the processes kept.
  for (const l of [listener, active, passive]) {
    assert.equal(l[0]!.ms, null);
    assert.ok(l.slice(1).every((e) => e.ms !== null && e.ms >= 0));
    for (let i = 1; i < l.length; i++) assert.ok(l[i]!.ts_ns >= l[i - 1]!.ts_ns);
  }
  within(active[2]!.ms, HOLD, 'client ESTABLISHED');
  within(passive[2]!.ms, HOLD, 'server ESTABLISHED');
  within(passive[3]!.ms, GAP, 'server CLOSE_WAIT');
  assert.ok(listener[1]!.ms! > HOLD + GAP, 'listener LISTEN');
  if (how === 'close') {
    // An orphaned socket's FIN_WAIT2 goes to a timewait socket at once (tcp_rcv_state_process():
    // tcp_time_wait(sk, TCP_FIN_WAIT2, tmo)): CLOSE comes before the server's FIN.
    assert.ok(active[4]!.ms! < MARGIN && active[4]!.ts_ns < passive[3]!.ts_ns, `orphaned FIN_WAIT2: ${active[4]!.ms} ms`);
  } else {
    // shutdown(): FIN_WAIT2 lasts until the server's FIN; FIN_WAIT1 until the (delayed) ACK of ours
    within(active[3]!.ms! + active[4]!.ms!, GAP, 'client FIN_WAIT1 + FIN_WAIT2');
  }
}

for (const via of ['raw_tp', 'tracepoint', 'tp_btf'] as const) {
  test(`one IPv4 (close) and one IPv6 (shutdown) lifecycle (${via}): exact transitions, owners, ports, times`, kernelOpts(), async () => {
    const ns = new Netns('netdxts');
    const netns = netnsInode(ns.name);
    const events: TcpStateChange[] = [];
    const probe = traceTcpStates({ netns }, (e) => events.push(e), { via });
    assert.equal(probe.via, via);
    let lost;
    try {
      for (const [host, how] of [['127.0.0.1', 'close'], ['::1', 'shutdown']] as const) {
        events.length = 0;
        const { server, client } = await lifecycle(ns, host, how);
        await sleep(50);
        probe.poll();
        checkLifecycle(events, host, how, server, client, netns);
      }
    } finally {
      lost = probe.stop();
    }
    assert.deepEqual(lost, { full: 0, refused: 0, untracked: 0 });
  });
}

test('a full timing table: sockets beyond it are counted, their changes still reported without ms', kernelOpts(), async () => {
  const ns = new Netns('netdxts');
  const events: TcpStateChange[] = [];
  // room for the listener only: the client and the accepted socket are not timed
  const probe = traceTcpStates({ netns: netnsInode(ns.name) }, (e) => events.push(e), { maxSockets: 1 });
  let lost;
  try {
    await lifecycle(ns, '127.0.0.1', 'close');
    await sleep(50);
  } finally {
    lost = probe.stop();
  }
  assert.deepEqual(lost, { full: 0, refused: 0, untracked: 2 });
  assert.equal(events.length, 12);
  assert.deepEqual(events.filter((e) => e.ms !== null).map((e) => e.newstate), ['CLOSE'], 'only the listener is timed');
});

test('filters in the kernel: -L, -D, -p, -6; a socket first seen mid-life has no ms', kernelOpts(), async () => {
  const ns = new Netns('netdxts');
  const netns = netnsInode(ns.name);
  const got: Record<string, TcpStateChange[]> = { lport: [], rport: [], pid: [], six: [] };
  const probes: Array<ReturnType<typeof traceTcpStates>> = [];
  const start = (k: string, f: Parameters<typeof traceTcpStates>[0]) => probes.push(traceTcpStates({ netns, ...f }, (e) => got[k]!.push(e)));
  let peers;
  try {
    start('six', { family: 6 });
    // started once the server listens: its listener is then a socket first seen mid-life
    peers = await lifecycle(ns, '127.0.0.1', 'close', (server) => {
      start('lport', { lports: [server.port] });
      start('rport', { rports: [server.port] });
      start('pid', { pid: server.pid });
    });
    await sleep(50);
  } finally {
    for (const p of probes) p.stop();
  }
  const { server, client } = peers;
  const seen = (k: string) => got[k]!.map((e) => `${e.lport}:${e.oldstate}>${e.newstate}:${e.ms === null ? '-' : 'ms'}`);
  const s = server.port;
  const c = client.port;
  assert.deepEqual(seen('lport'), [`${s}:LISTEN>SYN_RECV:-`, `${s}:SYN_RECV>ESTABLISHED:ms`, `${s}:ESTABLISHED>CLOSE_WAIT:ms`,
    `${s}:CLOSE_WAIT>LAST_ACK:ms`, `${s}:LAST_ACK>CLOSE:ms`, `${s}:LISTEN>CLOSE:-`]);
  // the client's SYN_SENT, port 0 then, passes on its remote port
  assert.deepEqual(seen('rport'), ['0:CLOSE>SYN_SENT:-', `${c}:SYN_SENT>ESTABLISHED:ms`, `${c}:ESTABLISHED>FIN_WAIT1:ms`,
    `${c}:FIN_WAIT1>FIN_WAIT2:ms`, `${c}:FIN_WAIT2>CLOSE:ms`]);
  // the owner decides: the passive socket from accept() on, timed all along
  assert.deepEqual(seen('pid'), [`${s}:ESTABLISHED>CLOSE_WAIT:ms`, `${s}:CLOSE_WAIT>LAST_ACK:ms`, `${s}:LAST_ACK>CLOSE:ms`, `${s}:LISTEN>CLOSE:-`]);
  assert.ok(got.pid!.every((e) => e.pid === server.pid));
  assert.deepEqual(got.six, [], 'IPv6 only: nothing of an IPv4 lifecycle');
});

test('CLI: --json objects, the table within 100 columns, --netns', kernelOpts(), async () => {
  const ns = new Netns('netdxts');
  const json = await startTracing('tcpstates', ['--json', '--netns', ns.name]);
  const table = await startTracing('tcpstates', ['--netns', ns.name]);
  const { server, client } = await lifecycle(ns, '127.0.0.1', 'close');
  await sleep(100);
  for (const r of [json, table]) {
    r.cp.kill('SIGINT');
    assert.equal(await r.exit, 0);
  }
  const objs = json.out.map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.equal(objs.length, 12);
  for (const o of objs) {
    assert.deepEqual(Object.keys(o), ['ts_ns', 'skaddr', 'pid', 'comm', 'family', 'laddr', 'lport', 'raddr', 'rport', 'oldstate', 'newstate', 'ms']);
    assert.match(String(o.skaddr), /^[0-9a-f]{16}$/);
  }
  const fin = objs.find((o) => o.lport === client.port && o.newstate === 'FIN_WAIT1')!;
  assert.deepEqual({ ...fin, ts_ns: 0, skaddr: '', ms: 0 }, {
    ts_ns: 0, skaddr: '', pid: client.pid, comm: 'node', family: 4, laddr: '127.0.0.1', lport: client.port,
    raddr: '127.0.0.1', rport: server.port, oldstate: 'ESTABLISHED', newstate: 'FIN_WAIT1', ms: 0,
  });
  assert.equal(objs[0]!.ms, null);

  const [header, ...rows] = table.out;
  assert.equal(header, 'PID     COMM            LADDR           LPORT RADDR           RPORT OLDSTATE    NEWSTATE          MS');
  assert.equal(rows.length, 12);
  assert.ok(table.out.every((l) => l.length <= 100), table.out.join('\n'));
  assert.match(rows[0]!, new RegExp(`^${server.pid} +node +127\\.0\\.0\\.1 +${server.port} 0\\.0\\.0\\.0 +0 CLOSE +LISTEN +-$`));
  assert.ok(rows.some((r) => new RegExp(`^${client.pid} +node +127\\.0\\.0\\.1 +${client.port} 127\\.0\\.0\\.1 +${server.port} ESTABLISHED FIN_WAIT1 +3\\d\\d\\.\\d{3}$`).test(r)), rows.join('\n'));
  assert.ok(rows.some((r) => new RegExp(`^- +- +127\\.0\\.0\\.1 +${server.port} 127\\.0\\.0\\.1 +${client.port} LISTEN +SYN_RECV +-$`).test(r)), 'the passive socket before accept(): no owner yet');
});

test('CLI: bad input is one line on stderr and exit 1', kernelOpts(), () => {
  for (const args of [['--bogus'], ['-L', '70000'], ['--netns', 'netdx-no-such-namespace'], ['-w', 'extra']]) {
    const r = spawnSync(process.execPath, [CLI_MAIN, 'tcpstates', ...args], { encoding: 'utf8' });
    assert.equal(r.status, 1, `${args.join(' ')} exits 1 (${r.stderr.trim()})`);
    assert.match(r.stderr, /^netdx: [^\n]+\n$/, `${args.join(' ')}: one line`);
  }
});
