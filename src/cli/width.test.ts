// Every tool's default output fits 100 columns, and nothing is cut: a TCP session between the
// longest IPv6 addresses there are (39 characters each, ports 65534 and 65535) is held in a
// namespace this test makes, and each tool is run there; both ends must appear whole and distinct.
// (Every --help line is checked in tools/registry.test.ts.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createInterface } from 'node:readline';
import { once } from 'node:events';
import { Netns, kernelOpts, PYTHON } from '../testlib/kernel.js';
import { runCli, startTracing, type TracingCli } from '../testlib/cli.js';

const WIDTH = 100;
const SERVER = 'fd00:dead:beef:cafe:1234:5678:9abc:def1';
const CLIENT = 'fd00:dead:beef:cafe:1234:5678:9abc:def2';

// Listens on [SERVER]:65534, connects from [CLIENT]:65535, sends both ways, prints "ready", and
// closes both ends when stdin closes (so that tcplife sees the session end).
const HOLDER = `
import socket, sys
l = socket.socket(socket.AF_INET6); l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
l.bind(('${SERVER}', 65534)); l.listen(8)
c = socket.socket(socket.AF_INET6); c.bind(('${CLIENT}', 65535)); c.connect(('${SERVER}', 65534))
a, _ = l.accept(); c.sendall(b'x' * 3000); a.recv(65536); a.sendall(b'y' * 700); c.recv(65536)
print('ready', flush=True)
sys.stdin.read()
c.close(); a.close(); l.close()
`;

function overWidth(out: string): string[] {
  return out.split('\n').filter((l) => [...l].length > WIDTH);
}

test(`every tool's output fits ${WIDTH} columns; the longest IPv6 ends are never cut`, kernelOpts({ timeout: 120_000 }), async () => {
  const ns = new Netns('netdxw');
  // on the namespace's loopback: no driver needed (this kernel has no dummy module)
  for (const a of [SERVER, CLIENT]) ns.exec('ip', ['-6', 'addr', 'add', `${a}/128`, 'dev', 'lo', 'nodad']);

  // the event tools watch this namespace from before the session opens until it has closed
  const tracers: Array<[string, TracingCli]> = [];
  for (const tool of ['tcplife', 'tcpconnect', 'tcpstates']) tracers.push([tool, await startTracing(tool, ['--netns', ns.name])]);

  const holder = ns.spawn(PYTHON, ['-c', HOLDER]);
  await once(createInterface({ input: holder.stdout! }), 'line');

  const runs: Array<[string, string[]]> = [
    ['sockets -ta', ['sockets', '-ta']], ['sockets -tapn', ['sockets', '-tapn']], ['sockets -ti', ['sockets', '-ti']],
    ['sockets -tm', ['sockets', '-tm']], ['sockets -x', ['sockets', '-x']], ['sockets -s', ['sockets', '-s']],
    ['nstat', ['nstat']], ['nstat -a', ['nstat', '-a']], ['nstat -az', ['nstat', '-a', '-z']],
    ['sysctl', ['sysctl']], ['ifstat', ['ifstat', '-i', '0.2']], ['ifstat -a', ['ifstat', '-a']],
    ['ethtool lo', ['ethtool', 'lo']], ['ethtool -caxm lo', ['ethtool', '-c', '-a', '-x', '-m', 'lo']],
    ['scaling', ['scaling', '-i', '0.2']], ['check', ['check']], ['softirqs', ['softirqs', '-d', '0.3']],
    ['doctor', ['doctor', '-d', '1']],
  ];
  const failures: string[] = [];
  for (const [name, args] of runs) {
    const r = runCli(ns, args);
    // doctor exits 3 or 4 when it finds something; the rest exit 0
    assert.ok(r.code === 0 || (name === 'doctor' && r.code !== 1 && r.code !== 2), `${name}: exit ${r.code}: ${r.err}`);
    assert.ok(r.out.trim().length > 0, `${name}: printed nothing`);
    for (const l of overWidth(r.out)) failures.push(`${name}: ${[...l].length} columns: ${l}`);
    if (name.startsWith('sockets -t')) {
      for (const end of [`[${SERVER}]:65534`, `[${CLIENT}]:65535`]) assert.ok(r.out.includes(end), `${name}: ${end} not whole:\n${r.out}`);
    }
  }

  holder.stdin!.end();
  await once(holder, 'exit');
  // wait for the close to reach tcplife (its line has both addresses), then stop the tracers
  const until = Date.now() + 5000;
  while (Date.now() < until && !tracers[0]![1].out.some((l) => l.includes(CLIENT))) await new Promise((r) => setTimeout(r, 50));
  for (const [tool, t] of tracers) {
    t.cp.kill('SIGINT');
    assert.equal(await t.exit, 0, `${tool}: ${t.err.join(' | ')}`);
    const out = t.out.join('\n');
    for (const l of overWidth(out)) failures.push(`${tool}: ${[...l].length} columns: ${l}`);
    for (const a of [SERVER, CLIENT]) assert.ok(out.includes(a), `${tool}: ${a} not whole:\n${out}`);
  }
  assert.deepEqual(failures, []);
});
