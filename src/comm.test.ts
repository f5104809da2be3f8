// --comm, the process-name filter the kit gives every tool with -p (core/kit/filter.ts): checked on
// the current task (syscall tools) and on a socket's cached owner (softirq hooks), and in user space
// where a tool keeps sockets whose owner it names later. Three processes of known names make
// known connections inside a namespace the test makes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { commBytes, filterRodata, netnsInode, ownerMatches } from './core/kit/filter.js';
import { startEvents } from './core/kit/events.js';
import { kernelOpts, Netns, PYTHON } from './testlib/kernel.js';
import { assertBadInput, traceDuring } from './testlib/cli.js';
import { SOCONNECT, type SoConnectEvent } from './tools/soconnect/lib.js';
import { TCPLIFE } from './tools/tcplife/lib.js';
import type { TcpLifeEvent } from './tools/tcplife/decode.js';

test('--comm: 15 bytes at most, NUL-padded into filter_comm; a row matches by pid and name', () => {
  const b = filterRodata('t', { comm: 'nginx' }, new Set(['filter_comm', 'filter_tgid']));
  assert.deepEqual(b.filter_comm, Buffer.from('nginx\0\0\0\0\0\0\0\0\0\0\0', 'latin1'));
  assert.equal(b.filter_tgid, 0);
  assert.equal(commBytes('abcdefghijklmno').toString('latin1'), 'abcdefghijklmno\0');
  assert.throws(() => commBytes('abcdefghijklmnop'), /^NetdxError: parsing comm: abcdefghijklmnop is longer than the kernel keeps \(15 bytes\): use abcdefghijklmno$/);
  assert.throws(() => commBytes('', '--comm'), /parsing --comm: the name is empty/);
  assert.throws(() => commBytes('a/b'), /is not a process name/);
  assert.throws(() => filterRodata('t', { comm: 'x' }, new Set(['filter_tgid'])), /filtering t by comm: this tool does not support it/);
  assert.equal(ownerMatches({ comm: 'a' }, { pid: 1, comm: 'a' }), true);
  assert.equal(ownerMatches({ comm: 'a', pid: 2 }, { pid: 1, comm: 'a' }), false);
  assert.equal(ownerMatches({}, { pid: 1, comm: 'b' }), true);
});

/** A server process named netdx-srv accepts 5 connections: 3 from a process named netdx-cli-a,
 * then 2 from the parent (python3). Each client sends a byte and closes. */
const WORKLOAD = String.raw`
import json, os, socket
def rename(n): open('/proc/self/comm', 'w').write(n)
l = socket.socket(); l.bind(('127.0.0.1', 0)); l.listen(16); port = l.getsockname()[1]
srv = os.fork()
if srv == 0:
    rename('netdx-srv')
    for i in range(5):
        c, _ = l.accept(); c.recv(1); c.close()
    os._exit(0)
l.close()
def clients(n):
    ports = []
    for i in range(n):
        s = socket.create_connection(('127.0.0.1', port)); ports.append(s.getsockname()[1]); s.send(b'x'); s.recv(1); s.close()
    return ports
r, w = os.pipe()
a = os.fork()
if a == 0:
    rename('netdx-cli-a')
    os.write(w, json.dumps(clients(3)).encode()); os._exit(0)
os.close(w); a_ports = json.loads(os.read(r, 4096)); os.waitpid(a, 0)
b_ports = clients(2)
os.waitpid(srv, 0)
print(json.dumps(dict(port=port, srv=srv, a=a, b=os.getpid(), a_ports=a_ports, b_ports=b_ports)))
`;

interface Run { port: number; srv: number; a: number; b: number; a_ports: number[]; b_ports: number[] }
const run = (ns: Netns) => JSON.parse(ns.exec(PYTHON, ['-c', WORKLOAD])) as Run;

test('--comm in the kernel: on the calling task (soconnect) and on a socket\'s cached owner (tcplife)', kernelOpts(), () => {
  const ns = new Netns();
  const netns = netnsInode(ns.name);
  const conns: SoConnectEvent[] = [];
  const lives: TcpLifeEvent[] = [];
  const c = startEvents(SOCONNECT, (e) => conns.push(e), { filter: { netns, comm: 'netdx-cli-a' } });
  const l = startEvents(TCPLIFE, (e) => lives.push(e), { filter: { netns, comm: 'netdx-srv' } });
  let app: Run;
  try {
    app = run(ns);
    c.poll();
    l.poll();
  } finally {
    c.stop();
    l.stop();
  }
  assert.deepEqual(conns.map((e) => [e.pid, e.comm, e.dport, e.lport, e.result]),
    app.a_ports.map((p) => [app.a, 'netdx-cli-a', app.port, p, 'OK']));
  // the server's five accepted sessions, and none of the clients' ends
  assert.deepEqual(lives.map((e) => [e.pid, e.comm, e.lport, e.rport]).sort((x, y) => (x[3] as number) - (y[3] as number)),
    [...app.a_ports, ...app.b_ports].sort((x, y) => x - y).map((p) => [app.srv, 'netdx-srv', app.port, p]));
});

test('CLI: --comm with -p and alone; bad names are one line and exit 1', kernelOpts(), async () => {
  const ns = new Netns();
  const out = await traceDuring('soconnect', ['--netns', ns.name, '--comm', 'python3', '--json', '-d', '3'], () => run(ns));
  const evs = out.map((x) => JSON.parse(x) as SoConnectEvent);
  assert.equal(evs.length, 2, out.join('\n'));
  assert.ok(evs.every((e) => e.comm === 'python3' && e.result === 'OK'));
  assertBadInput(ns, 'soconnect', [['--comm', 'abcdefghijklmnop'], ['--comm', '']]);
  assertBadInput(ns, 'tcplife', [['--comm', 'a/b']]);
});
