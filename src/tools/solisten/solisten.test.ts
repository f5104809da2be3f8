// Kernel tests for solisten: listen() calls in a namespace whose net.core.somaxconn is 8, made by
// one Python process that reports each call; the limits are checked against the kernel's own
// (ss: a listener's Send-Q is its sk_max_ack_backlog).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kernelOpts, Netns, PYTHON } from '../../testlib/kernel.js';
import { assertBadInput, startTracing } from '../../testlib/cli.js';
import { netnsInode } from '../../core/kit/filter.js';
import { startEvents } from '../../core/kit/events.js';
import { SOLISTEN, type ListenEvent } from './lib.js';

interface Listened { fd: number; proto: string; laddr: string; lport: number; backlog: number; result: string }

/** Python: each listen() and what it returned; then ss's view of the listeners. */
const LISTENS = String.raw`
import errno, json, os, socket, subprocess
calls, keep = [], []
def listen(s, backlog, proto):
    try:
        s.listen(backlog); res = 'OK'
    except OSError as e:
        res = 'EOPNOTSUPP' if e.errno == errno.EOPNOTSUPP else errno.errorcode[e.errno]
    inet = s.family != socket.AF_UNIX
    calls.append(dict(fd=s.fileno(), proto=proto, laddr=s.getsockname()[0] if inet else '-',
                      lport=s.getsockname()[1] if inet else 0, backlog=backlog, result=res))
    keep.append(s)
l1 = socket.socket(); l1.bind(('127.0.0.1', 7001)); listen(l1, 128, 'TCP')
l2 = socket.socket(socket.AF_INET6); l2.bind(('::1', 0)); listen(l2, 4, 'TCP')
l3 = socket.socket(); listen(l3, 16, 'TCP')           # unbound: listen() picks a port
listen(l1, 2, 'TCP')                                    # listen() again: a new limit
listen(socket.socket(socket.AF_INET, socket.SOCK_DGRAM), 5, 'UDP')
u = socket.socket(socket.AF_UNIX); u.bind('\0netdx-listen-%d' % os.getpid()); listen(u, 3, 'UNIX-STREAM')
ss = subprocess.run(['ss', '-Hltn'], capture_output=True, text=True).stdout.split('\n')
sendq = {int(l.split()[3].rsplit(':', 1)[1]): int(l.split()[2]) for l in ss if l.strip()}
print(json.dumps(dict(pid=os.getpid(), calls=calls, sendq=sendq)))
`;

function somaxconn8(): Netns {
  const ns = new Netns();
  ns.exec('sysctl', ['-qw', 'net.core.somaxconn=8']);
  return ns;
}

const listens = (ns: Netns) => JSON.parse(ns.exec(PYTHON, ['-c', LISTENS])) as { pid: number; calls: Listened[]; sendq: Record<string, number> };

test('each listen(): backlog 128 asked, 8 set where somaxconn is 8; listen again; EOPNOTSUPP; unix', kernelOpts(), () => {
  const ns = somaxconn8();
  const events: ListenEvent[] = [];
  const probe = startEvents(SOLISTEN, (e) => events.push(e), { filter: { netns: netnsInode(ns.name) } });
  try {
    const app = listens(ns);
    probe.poll();
    assert.deepEqual(events.map((e) => ({ fd: e.fd, proto: e.proto, laddr: e.laddr, lport: e.lport, backlog: e.backlog, result: e.result })),
      app.calls, 'every call, in order, as the application saw it');
    assert.deepEqual(events.map((e) => [e.backlog, e.max_backlog, e.somaxconn, e.err]),
      [[128, 8, 8, 0], [4, 4, 8, 0], [16, 8, 8, 0], [2, 2, 8, 0], [5, 0, 8, 95], [3, 3, 8, 0]]);
    assert.deepEqual(events.map((e) => e.family), ['ipv4', 'ipv6', 'ipv4', 'ipv4', 'ipv4', 'unix']);
    assert.ok(events[2]!.lport > 0 && events[2]!.laddr === '0.0.0.0', 'an unbound socket got its port in the call');
    // the kernel's own view: ss shows each listener's limit as Send-Q
    const [l1, l2, l3] = [events[3]!, events[1]!, events[2]!];
    assert.deepEqual([l1, l2, l3].map((e) => app.sendq[String(e.lport)]), [l1.max_backlog, l2.max_backlog, l3.max_backlog]);
    assert.ok(events.every((e) => e.pid === app.pid && e.comm === 'python3' && e.netns === netnsInode(ns.name)));
  } finally {
    assert.deepEqual(probe.stop(), { full: 0, refused: 0, untracked: 0 });
  }
});

test('CLI: -L --json and the table: backlog and limit; -x; bad input', kernelOpts(), async () => {
  const ns = somaxconn8();
  const run = async (args: string[]) => {
    const cli = await startTracing('solisten', ['--netns', ns.name, '-d', '2', ...args]);
    const app = listens(ns);
    assert.equal(await cli.exit, 0);
    return { app, lines: cli.out };
  };
  const j = await run(['-L', '7001', '--json']);
  assert.deepEqual(j.lines.map((l) => JSON.parse(l) as ListenEvent).map((e) => [e.pid, e.laddr, e.lport, e.backlog, e.max_backlog, e.somaxconn]),
    [[j.app.pid, '127.0.0.1', 7001, 128, 8, 8], [j.app.pid, '127.0.0.1', 7001, 2, 2, 8]]);
  const t = await run(['-L', '7001']);
  assert.match(t.lines[0]!, /^PID +COMM +PROTO +LADDR +LPORT BACKLOG LIMIT +LAT_MS RESULT$/);
  assert.deepEqual(t.lines.slice(1).map((l) => l.split(/ +/).slice(2, 7).concat(l.split(/ +/).slice(-1))),
    [['TCP', '127.0.0.1', '7001', '128', '8', 'OK'], ['TCP', '127.0.0.1', '7001', '2', '2', 'OK']]);
  const x = await run(['-x', '--json']);
  assert.deepEqual(x.lines.map((l) => JSON.parse(l) as ListenEvent).map((e) => [e.proto, e.backlog, e.result]), [['UDP', 5, 'EOPNOTSUPP']]);
  assertBadInput(ns, 'solisten', [['-D', '80'], ['-L', '0'], ['--netns', 'no-such-ns-here'], ['-x', 'extra']]);
});
