// Kernel tests for tcpaccept: a listener with listen(8) in one namespace lets 4 clients from
// another (over a veth) complete their handshakes, then accepts them one by one: the accept queue
// left after each accept is 3, 2, 1, 0 exactly, the peers in their order, the listener's PID.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { kernelOpts, knowNeighbours, vethPair, type Netns } from '../../testlib/kernel.js';
import { CLI_MAIN, startTracing } from '../../testlib/cli.js';
import { traceNetns, workload, type Workload } from '../../testlib/traffic.js';
import { TCPACCEPT, type TcpAcceptEvent } from './lib.js';

/** listen(8) on host in b, 4 connects from a, accepted from 500 ms on. */
async function fourInQueue(a: Netns, b: Netns, host: string) {
  // both ends' neighbours known beforehand (no ARP/NDP wait before the handshakes), and a second
  // for the four clients to queue before the first accept, with room for a slow start under load
  knowNeighbours(a, 'vx0', b, 'vx1', ['198.18.0.2', 'fd00::2']);
  knowNeighbours(b, 'vx1', a, 'vx0', ['198.18.0.1', 'fd00::1']);
  const server = workload(b, 'listen', '--host', host, '--backlog', '8', '--accept-after', '1000', '--hold', '2000', '--verbose');
  const port = (await server.wait('listening')).port as number;
  const clients = workload(a, 'connect', '--host', host, '--port', String(port), '--count', '4', '--hold', '1500');
  await Promise.all([server.done(), clients.done()]);
  return { server, port, clients };
}

const sports = (w: Workload) => w.all('connect').map((c) => c.sport as number);

test('listen(8), 4 clients, accepted one by one: queue 3, 2, 1, 0; peers and PID exact', kernelOpts(), async () => {
  const { a, b } = vethPair();
  const { netns, events, probe } = traceNetns(TCPACCEPT, b);
  let lost;
  try {
    const { server, port, clients } = await fourInQueue(a, b, '198.18.0.2');
    probe.poll();
    assert.deepEqual(events.map((e) => e.backlog), [3, 2, 1, 0]);
    assert.deepEqual(events.map((e) => e.max_backlog), [8, 8, 8, 8]);
    assert.deepEqual(events.map((e) => e.rport), sports(clients), 'the peers, in the order they connected');
    assert.deepEqual(events.map((e) => e.rport), server.all('accepted').map((x) => x.peer_port), 'as the application saw them');
    for (const e of events) {
      assert.deepEqual([e.pid, e.tid, e.comm, e.family, e.laddr, e.lport, e.raddr, e.state, e.netns],
        [server.pid, server.pid, 'python3', 4, '198.18.0.2', port, '198.18.0.1', 'ESTABLISHED', netns]);
    }
    assert.equal(new Set(events.map((e) => e.fd)).size, 4, 'four file descriptors');
  } finally {
    lost = probe.stop();
  }
  assert.deepEqual(lost, { full: 0, refused: 0, untracked: 0 });
});

test('CLI: IPv6 --json, the table within 100 columns, -L; bad input', kernelOpts(), async () => {
  const { a, b } = vethPair();
  const json = await startTracing('tcpaccept', ['--json', '--netns', b.name, '-6']);
  const table = await startTracing('tcpaccept', ['--netns', b.name]);
  const other = await startTracing('tcpaccept', ['--netns', b.name, '-L', '1']);
  const { server, port, clients } = await fourInQueue(a, b, 'fd00::2');
  for (const r of [json, table, other]) {
    r.cp.kill('SIGINT');
    assert.equal(await r.exit, 0, r.err.join('\n'));
  }
  const objs = json.out.map((l) => JSON.parse(l) as TcpAcceptEvent);
  assert.deepEqual(objs.map((e) => [e.backlog, e.rport, e.raddr, e.pid]), [3, 2, 1, 0].map((n, i) => [n, sports(clients)[i], 'fd00::1', server.pid]));
  assert.deepEqual(Object.keys(objs[0]!), ['ts_ns', 'pid', 'comm', 'netns', 'family', 'laddr', 'lport', 'raddr', 'rport', 'state', 'tid', 'fd', 'backlog', 'max_backlog']);
  assert.deepEqual(table.out, [
    'PID     COMM            LADDR           LPORT RADDR           RPORT     QUEUE',
    ...[3, 2, 1, 0].map((n, i) => `${String(server.pid).padEnd(7)} python3         fd00::2         ${String(port).padStart(5)} fd00::1         ${String(sports(clients)[i]).padStart(5)} ${`${n}/8`.padStart(9)}`),
  ]);
  assert.deepEqual(other.out.slice(1), [], '-L 1: nothing');
  for (const args of [['--bogus'], ['-L', '1,2,3,4,5,6,7,8,9'], ['--cgroup', 'netdx-no-such-cgroup'], ['-d', '-1']]) {
    const r = spawnSync(process.execPath, [CLI_MAIN, 'tcpaccept', ...args], { encoding: 'utf8' });
    assert.equal(r.status, 1, `${args.join(' ')} exits 1 (${r.stderr.trim()})`);
    assert.match(r.stderr, /^netdx: [^\n]+\n$/, `${args.join(' ')}: one line`);
  }
});
