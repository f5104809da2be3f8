// Kernel tests for udpconnect: UDP connect() calls with known results inside a namespace the test
// makes (the syscall tracepoints see the whole machine; the probe is filtered to that namespace),
// made by Python processes that report what each call returned, with TCP, unix and raw-socket
// connects in between that must not show.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { kernelOpts, vethPair, type Netns, PYTHON } from '../../testlib/kernel.js';
import { assertBadInput, startTracing } from '../../testlib/cli.js';
import { traceNetns, workload } from '../../testlib/traffic.js';
import { UDPCONNECT, type UdpConnectEvent } from './lib.js';

interface Call { fd: number; family: string; daddr: string; dport: number; lport: number; result: string; dissolve: boolean }
interface App { pid: number; calls: Call[]; others: number }

/**
 * Python: UDP connects to known IPv4 and IPv6 addresses and ports (one to a network with no route:
 * ENETUNREACH), one AF_UNSPEC connect that dissolves an association, and between them TCP, unix
 * and raw-socket connects (`others`, not UDP). With argv[1] 'wait', it prints its PID and waits
 * for a line on stdin first.
 */
const CONNECTS = String.raw`
import ctypes, errno, json, os, socket, sys
libc = ctypes.CDLL(None, use_errno=True)
if sys.argv[1:] == ['wait']:
    print(json.dumps(dict(pid=os.getpid())), flush=True)
    sys.stdin.readline()
calls, keep, others = [], [], 0
def udp(fam, addr):
    s = socket.socket(fam, socket.SOCK_DGRAM)
    keep.append(s)
    rc = s.connect_ex(addr)
    calls.append(dict(fd=s.fileno(), family='ipv4' if fam == socket.AF_INET else 'ipv6', daddr=addr[0], dport=addr[1],
                      lport=s.getsockname()[1], result='OK' if rc == 0 else errno.errorcode[rc], dissolve=False))
    return s
def unspec(s):
    sa = (ctypes.c_ubyte * 16)()  # sa_family 0: AF_UNSPEC
    rc = libc.connect(s.fileno(), ctypes.byref(sa), 16)
    calls.append(dict(fd=s.fileno(), family='ipv4' if s.family == socket.AF_INET else 'ipv6', daddr='-', dport=0,
                      lport=s.getsockname()[1], result='OK' if rc == 0 else errno.errorcode[ctypes.get_errno()], dissolve=True))
def other(s, addr):
    global others
    keep.append(s)
    s.connect_ex(addr)
    others += 1
l4 = socket.socket(); l4.bind(('127.0.0.1', 0)); l4.listen(16)
name = '\0netdx-udpconnect-%d' % os.getpid()
lu = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); lu.bind(name)
a = udp(socket.AF_INET, ('198.18.0.2', 5353))
other(socket.socket(), l4.getsockname())
udp(socket.AF_INET, ('127.0.0.1', 53))
udp(socket.AF_INET6, ('fd00::2', 5353))
other(socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM), name)
udp(socket.AF_INET6, ('::1', 7))
other(socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_UDP), ('198.18.0.2', 0))
udp(socket.AF_INET, ('203.0.113.9', 9))
other(socket.socket(), l4.getsockname())
unspec(a)
print(json.dumps(dict(pid=os.getpid(), calls=calls, others=others)), flush=True)
`;

function connects(ns: Netns): App {
  return JSON.parse(ns.exec(PYTHON, ['-c', CONNECTS])) as App;
}

const view = (e: UdpConnectEvent) => ({ fd: e.fd, family: e.family, daddr: e.daddr, dport: e.dport, lport: e.lport, result: e.result, dissolve: e.dissolve });

test('each UDP connect(): IPv4, IPv6, no route, AF_UNSPEC; TCP, unix and raw connects do not show', kernelOpts(), () => {
  const { a } = vethPair();
  const { events, probe, netns } = traceNetns(UDPCONNECT, a);
  try {
    const app = connects(a);
    probe.poll();
    assert.equal(app.others, 4, 'the TCP, unix and raw connects were made');
    assert.deepEqual(events.map(view), app.calls, 'every UDP call, in order, as the application saw it, and nothing else');
    assert.deepEqual(app.calls.map((c) => [c.daddr, c.dport, c.result]), [
      ['198.18.0.2', 5353, 'OK'], ['127.0.0.1', 53, 'OK'], ['fd00::2', 5353, 'OK'], ['::1', 7, 'OK'],
      ['203.0.113.9', 9, 'ENETUNREACH'], ['-', 0, 'OK']]);
    // the association dissolved: the socket lost the port it was bound to in its connect
    assert.ok(app.calls[0]!.lport > 0 && app.calls.at(-1)!.lport === 0 && app.calls.at(-1)!.fd === app.calls[0]!.fd);
    assert.ok(events.every((e) => e.pid === app.pid && e.tid === app.pid && e.comm === 'python3' && e.proto === 'UDP' && e.netns === netns));
    assert.deepEqual(events.map((e) => e.err), [0, 0, 0, 0, 101, 0]);
  } finally {
    assert.deepEqual(probe.stop(), { full: 0, refused: 0, untracked: 0 });
  }
});

test('name lookups: glibc\'s resolver connects a UDP socket to the name server, once per lookup', kernelOpts(), async () => {
  const { a, b } = vethPair();
  const dns = workload(b, 'dns-server', '--host', '198.18.0.2', '--hold', '20000');
  await dns.wait('listening');
  // ip netns exec bind-mounts /etc/netns/NAME/resolv.conf over /etc/resolv.conf: the lookups go
  // to the resolver in the other namespace, never to the host's
  const etc = `/etc/netns/${a.name}`;
  mkdirSync(etc, { recursive: true });
  const { events, probe } = traceNetns(UDPCONNECT, a);
  try {
    writeFileSync(`${etc}/resolv.conf`, 'nameserver 198.18.0.2\noptions timeout:3 attempts:1\n');
    const r = workload(a, 'resolve', '--names', 'one.netdx.test,two.netdx.test,three.netdx.test');
    await r.done();
    probe.poll();
    assert.deepEqual(r.all('resolved').map((x) => x.result), ['OK', 'OK', 'OK'], 'the three names resolved');
    assert.deepEqual(events.map((e) => [e.pid, e.comm, e.proto, e.daddr, e.dport, e.result, e.lport > 0]),
      Array(3).fill([r.pid, 'python3', 'UDP', '198.18.0.2', 53, 'OK', true]));
  } finally {
    rmSync(etc, { recursive: true, force: true });
    dns.cp.kill('SIGKILL');
    assert.deepEqual(probe.stop(), { full: 0, refused: 0, untracked: 0 });
  }
});

/** Starts the Python app in `ns`, waiting; go() lets it make its calls and resolves with them. */
async function waitingApp(ns: Netns): Promise<{ pid: number; go(): Promise<App> }> {
  const cp = ns.spawn(PYTHON, ['-c', CONNECTS, 'wait']);
  const lines = createInterface({ input: cp.stdout! })[Symbol.asyncIterator]();
  const first = await lines.next();
  const { pid } = JSON.parse(first.value as string) as { pid: number };
  return {
    pid,
    async go() {
      cp.stdin!.write('go\n');
      const r = await lines.next();
      if (cp.exitCode === null) await once(cp, 'exit');
      return JSON.parse(r.value as string) as App;
    },
  };
}

test('CLI: --json -p shows one process\'s UDP connects, not another\'s; -6 and -D; bad input', kernelOpts(), async () => {
  const { a } = vethPair();
  const one = await waitingApp(a);
  const two = await waitingApp(a);
  const cli = await startTracing('udpconnect', ['--json', '-p', String(one.pid)]);
  const cli6 = await startTracing('udpconnect', ['--json', '--netns', a.name, '-6', '-D', '5353']);
  const [app1, app2] = await Promise.all([one.go(), two.go()]);
  // Ctrl-C once both are done: the CLI delivers what the ring holds and exits 0
  cli.cp.kill('SIGINT');
  cli6.cp.kill('SIGINT');
  assert.equal(await cli.exit, 0);
  assert.equal(await cli6.exit, 0);
  assert.equal(app2.calls.length, 6, 'the other process made its calls too');
  const evs = cli.out.map((l) => JSON.parse(l) as UdpConnectEvent);
  assert.deepEqual(evs.map(view), app1.calls, 'only -p\'s process, every UDP call');
  assert.ok(evs.every((e) => e.pid === one.pid));
  const six = cli6.out.map((l) => JSON.parse(l) as UdpConnectEvent);
  assert.deepEqual(six.map((e) => [e.pid, e.daddr, e.dport]).sort(), [[one.pid, 'fd00::2', 5353], [two.pid, 'fd00::2', 5353]].sort());
  assertBadInput(a, 'udpconnect', [['-4', '-6'], ['--netns', 'no-such-ns-here'], ['-D', '1,2,3,4,5,6,7,8,9'], ['-L', '0'], ['-d', '0'], ['-p', '0'], ['--bogus']]);
});
