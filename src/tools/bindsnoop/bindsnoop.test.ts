// Kernel tests for bindsnoop: bind() calls with known options and results, made by one Python
// process inside a namespace the test makes; the probe is filtered to that namespace.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kernelOpts, Netns, PYTHON } from '../../testlib/kernel.js';
import { assertBadInput, startTracing } from '../../testlib/cli.js';
import { netnsInode } from '../../core/kit/filter.js';
import { startEvents } from '../../core/kit/events.js';
import { BINDSNOOP, type BindEvent } from './lib.js';

interface Bound { fd: number; proto: string; addr: string; port: number; bound_port: number; opts: string[]; ifindex: number; result: string }

/** Python: each bind() with the options set on its socket, and what it returned. */
const BINDS = String.raw`
import errno, json, os, socket
IP_FREEBIND, IP_TRANSPARENT, IP_BIND_ADDRESS_NO_PORT, SO_BINDTODEVICE = 15, 19, 24, 25
calls, keep = [], []
def bind(fam, typ, addr, proto, opts=(), dev=None):
    s = socket.socket(fam, typ)
    names = []
    for level, opt, name in opts:
        s.setsockopt(level, opt, 1); names.append(name)
    if dev: s.setsockopt(socket.SOL_SOCKET, SO_BINDTODEVICE, dev.encode())
    try:
        s.bind(addr); res = 'OK'
    except OSError as e:
        res = errno.errorcode[e.errno]
    inet = fam != socket.AF_UNIX
    order = ['IP_FREEBIND', 'IP_TRANSPARENT', 'IP_BIND_ADDRESS_NO_PORT', 'SO_REUSEADDR', 'SO_REUSEPORT']
    calls.append(dict(fd=s.fileno(), proto=proto, addr=addr[0] if inet else '@' + addr[1:], port=addr[1] if inet else 0,
                      bound_port=s.getsockname()[1] if inet and res == 'OK' else 0,
                      opts=[o for o in order if o in names], ifindex=socket.if_nametoindex(dev) if dev else 0, result=res))
    keep.append(s)
    return s
R = (socket.SOL_SOCKET, socket.SO_REUSEADDR, 'SO_REUSEADDR')
P = (socket.SOL_SOCKET, socket.SO_REUSEPORT, 'SO_REUSEPORT')
T4, U6 = (socket.AF_INET, socket.SOCK_STREAM), (socket.AF_INET6, socket.SOCK_DGRAM)
l = bind(*T4, ('127.0.0.1', 0), 'TCP', [R]); l.listen(4)
bind(*T4, ('127.0.0.1', l.getsockname()[1]), 'TCP')
bind(*T4, ('198.18.0.77', 7002), 'TCP')
bind(*T4, ('198.18.0.77', 7002), 'TCP', [(socket.IPPROTO_IP, IP_FREEBIND, 'IP_FREEBIND')])
bind(*T4, ('198.18.0.78', 7003), 'TCP', [(socket.IPPROTO_IP, IP_TRANSPARENT, 'IP_TRANSPARENT')])
bind(*T4, ('127.0.0.1', 0), 'TCP', [(socket.IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, 'IP_BIND_ADDRESS_NO_PORT')])
bind(*U6, ('::1', 5353), 'UDP', [P])
bind(*U6, ('::1', 5353), 'UDP', [P], dev='lo')
bind(*U6, ('::1', 5353), 'UDP')
bind(socket.AF_UNIX, socket.SOCK_STREAM, '\0netdx-bind-%d' % os.getpid(), 'UNIX-STREAM')
nl = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 0); nl.bind((0, 0))  # not an inet or unix socket: not shown
print(json.dumps(dict(pid=os.getpid(), calls=calls)))
`;

const binds = (ns: Netns) => JSON.parse(ns.exec(PYTHON, ['-c', BINDS])) as { pid: number; calls: Bound[] };

test('each bind(): ports, options (reuse, freebind, transparent, no port, device) and EADDRINUSE, EADDRNOTAVAIL', kernelOpts(), () => {
  const ns = new Netns();
  const events: BindEvent[] = [];
  const probe = startEvents(BINDSNOOP, (e) => events.push(e), { filter: { netns: netnsInode(ns.name) } });
  try {
    const app = binds(ns);
    probe.poll();
    assert.deepEqual(events.map((e) => ({ fd: e.fd, proto: e.proto, addr: e.addr, port: e.port, bound_port: e.bound_port, opts: e.opts, ifindex: e.ifindex, result: e.result })),
      app.calls, 'every call, in order, as the application saw it');
    assert.deepEqual(app.calls.map((c) => c.result), ['OK', 'EADDRINUSE', 'EADDRNOTAVAIL', 'OK', 'OK', 'OK', 'OK', 'OK', 'EADDRINUSE', 'OK']);
    assert.deepEqual(app.calls.map((c) => c.opts.length), [1, 0, 0, 1, 1, 1, 1, 1, 0, 0], 'each option seen once');
    assert.equal(events[5]!.bound_port, 0, 'IP_BIND_ADDRESS_NO_PORT: no port until connect()');
    assert.equal(events[7]!.ifindex, 1, 'SO_BINDTODEVICE lo');
    assert.deepEqual(events.map((e) => e.err), [0, 98, 99, 0, 0, 0, 0, 0, 98, 0]);
    assert.ok(events.every((e) => e.pid === app.pid && e.comm === 'python3' && e.netns === netnsInode(ns.name)));
  } finally {
    assert.deepEqual(probe.stop(), { full: 0, refused: 0, untracked: 0 });
  }
});

test('CLI: -x -L --json: the failed bind to that port; OPTS in the table; bad input', kernelOpts(), async () => {
  const ns = new Netns();
  const run = async (args: string[]) => {
    const cli = await startTracing('bindsnoop', ['--netns', ns.name, '-d', '2', ...args]);
    const app = binds(ns);
    assert.equal(await cli.exit, 0);
    return { app, lines: cli.out };
  };
  const j = await run(['-x', '-L', '5353', '--json']);
  assert.deepEqual(j.lines.map((l) => JSON.parse(l) as BindEvent).map((e) => [e.pid, e.fd, e.addr, e.port, e.result]),
    [[j.app.pid, j.app.calls[8]!.fd, '::1', 5353, 'EADDRINUSE']]);
  const t = await run(['-6']);
  assert.match(t.lines[0]!, /^PID +COMM +PROTO +ADDR +PORT OPTS +IF +LAT_MS RESULT$/);
  assert.deepEqual(t.lines.slice(1).map((l) => l.split(/ +/).slice(2, 7)),
    [['UDP', '::1', '5353', '....r', '-'], ['UDP', '::1', '5353', '....r', '1'], ['UDP', '::1', '5353', '.....', '-']]);
  assertBadInput(ns, 'bindsnoop', [['-D', '80'], ['-4', '-6'], ['--netns', 'no-such-ns-here'], ['-L', 'http']]);
});
