// Kernel tests for soconnect: connect() calls with known results inside a namespace the test
// makes (the syscall tracepoints see the whole machine; the probe is filtered to that namespace),
// made by one Python process that reports what each call returned.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kernelOpts, vethPair, type Netns, PYTHON } from '../../testlib/kernel.js';
import { assertBadInput, startTracing } from '../../testlib/cli.js';
import { netnsInode } from '../../core/kit/filter.js';
import { startEvents } from '../../core/kit/events.js';
import { SOCONNECT, type SoConnectEvent } from './lib.js';

interface Call { fd: number; proto: string; daddr: string; dport: number; lport: number; result: string; ms: number }

/** Python: each connect() and what it returned (its fd, local port, errno name, duration). */
const CONNECTS = String.raw`
import errno, json, os, socket, struct, time
calls, keep = [], []
def call(s, addr, proto):
    t0 = time.monotonic()
    rc = s.connect_ex(addr)
    ms = (time.monotonic() - t0) * 1000
    inet = s.family != socket.AF_UNIX
    calls.append(dict(fd=s.fileno(), proto=proto, daddr=addr[0] if inet else '@' + addr[1:],
                      dport=addr[1] if inet else 0, lport=s.getsockname()[1] if inet else 0,
                      result='OK' if rc == 0 else errno.errorcode[rc], ms=ms))
    keep.append(s)
l4 = socket.socket(); l4.bind(('127.0.0.1', 0)); l4.listen(16)
l6 = socket.socket(socket.AF_INET6); l6.bind(('::1', 0)); l6.listen(16)
shut = socket.socket(); shut.bind(('127.0.0.1', 5001))  # bound, never listening: its port refuses
name = '\0netdx-soconnect-%d' % os.getpid()
lu = socket.socket(socket.AF_UNIX); lu.bind(name); lu.listen(4)
p4, p6, pc = l4.getsockname()[1], l6.getsockname()[1], shut.getsockname()[1]
for i in range(3):
    call(socket.socket(), ('127.0.0.1', p4), 'TCP')
call(socket.socket(socket.AF_INET6), ('::1', p6), 'TCP')
for i in range(2):
    call(socket.socket(), ('127.0.0.1', pc), 'TCP')
n = socket.socket(); n.setblocking(False)
call(n, ('127.0.0.1', p4), 'TCP')
call(socket.socket(socket.AF_INET, socket.SOCK_DGRAM), ('127.0.0.1', 9), 'UDP')
call(socket.socket(socket.AF_UNIX), name, 'UNIX-STREAM')
# blocking, with SO_SNDTIMEO 200 ms, to an address nobody answers on the veth: EINPROGRESS at 200 ms
b = socket.socket(); b.setsockopt(socket.SOL_SOCKET, socket.SO_SNDTIMEO, struct.pack('ll', 0, 200000))
call(b, ('198.18.0.99', 80), 'TCP')
print(json.dumps(dict(pid=os.getpid(), p4=p4, pc=pc, calls=calls)))
`;

function connects(ns: Netns): { pid: number; p4: number; pc: number; calls: Call[] } {
  return JSON.parse(ns.exec(PYTHON, ['-c', CONNECTS])) as { pid: number; p4: number; pc: number; calls: Call[] };
}

test('each connect(): OK over IPv4, IPv6 and unix, refused, EINPROGRESS, UDP, and a send timeout', kernelOpts(), () => {
  const { a } = vethPair();
  const events: SoConnectEvent[] = [];
  const probe = startEvents(SOCONNECT, (e) => events.push(e), { filter: { netns: netnsInode(a.name) } });
  try {
    const app = connects(a);
    probe.poll();
    const got = events.map((e) => ({ fd: e.fd, proto: e.proto, daddr: e.daddr, dport: e.dport, lport: e.lport, result: e.result }));
    const want = app.calls.map(({ ms: _, ...c }) => c);
    assert.deepEqual(got, want, 'every call, in order, as the application saw it');
    assert.deepEqual(want.map((c) => c.result), ['OK', 'OK', 'OK', 'OK', 'ECONNREFUSED', 'ECONNREFUSED', 'EINPROGRESS', 'OK', 'OK', 'EINPROGRESS']);
    assert.ok(events.every((e) => e.pid === app.pid && e.tid === app.pid && e.comm === 'python3' && e.netns === netnsInode(a.name)));
    assert.deepEqual(events.map((e) => e.family), ['ipv4', 'ipv4', 'ipv4', 'ipv6', 'ipv4', 'ipv4', 'ipv4', 'ipv4', 'unix', 'ipv4']);
    assert.deepEqual(events.map((e) => e.err), [0, 0, 0, 0, 111, 111, 115, 0, 0, 115]);
    const slow = events.at(-1)!;
    assert.ok(slow.latency_ms >= 195 && slow.latency_ms < 300, `blocked ~200 ms: ${slow.latency_ms}`);
    assert.ok(Math.abs(slow.latency_ms - app.calls.at(-1)!.ms) < 20, `kernel ${slow.latency_ms} ms vs the application's ${app.calls.at(-1)!.ms}`);
    assert.ok(events.slice(0, -1).every((e) => e.latency_ms >= 0 && e.latency_ms < 50), 'loopback calls return at once');
  } finally {
    assert.deepEqual(probe.stop(), { full: 0, refused: 0, untracked: 0 });
  }
});

test('CLI: --json --netns -x -D lists only the failed calls to those ports; bad input', kernelOpts(), async () => {
  const { a } = vethPair();
  const cli = await startTracing('soconnect', ['-x', '--json', '--netns', a.name, '-D', '5001,80', '-d', '3']);
  const app = connects(a);
  assert.equal(await cli.exit, 0);
  // the two refused calls to 5001; the one to port 80 did not finish, and EINPROGRESS is not a failure
  const evs = cli.out.map((l) => JSON.parse(l) as SoConnectEvent);
  assert.deepEqual(evs.map((e) => [e.pid, e.fd, e.daddr, e.dport, e.result]),
    app.calls.filter((c) => c.dport === 5001).map((c) => [app.pid, c.fd, '127.0.0.1', 5001, 'ECONNREFUSED']));
  assert.equal(evs.length, 2);
  assertBadInput(a, 'soconnect', [['-x', '-4', '-6'], ['--netns', 'no-such-ns-here'], ['-D', '1,2,3,4,5,6,7,8,9'], ['-L', '0'], ['-d', '0'], ['-p', '0']]);
});
