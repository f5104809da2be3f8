// Kernel tests for so1stbyte: a client whose server answers after known delays (a forked
// process, so that only the client connects), in a namespace the test makes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kernelOpts, Netns, PYTHON } from '../../testlib/kernel.js';
import { assertBadInput, traceDuring } from '../../testlib/cli.js';
import { histsDuring } from '../../testlib/sys.js';
import { totalCount } from '../../core/hist.js';
import type { SyscallHist } from '../../core/kit/sys.js';
import { SO1STBYTE } from './lib.js';

/** Python: TCP connections whose server answers after 100, 200 and 300 ms, one it closes without a
 * byte, one the client closes unread, a refused connect; a UDP socket answered 50 ms after the
 * client's datagram. The client's own time from connect() to its first byte, per answer. */
const CLIENT = String.raw`
import json, os, socket, time
l = socket.socket(); l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); l.bind(('127.0.0.1', 7001)); l.listen(8); p = 7001
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(('127.0.0.1', 7002)); pu = 7002
if os.fork() == 0:
    for d in (0.1, 0.2, 0.3, None, 0):
        c, _ = l.accept()
        if d is not None:
            time.sleep(d); c.send(b'x' * 100)
        c.close()
    _, peer = u.recvfrom(10); time.sleep(0.05); u.sendto(b'y', peer)
    os._exit(0)
ms = []
def first(fam, typ, addr, hello=None):
    s = socket.socket(fam, typ); t0 = time.monotonic(); s.connect(addr)
    if hello: s.send(hello)
    got = s.recv(1)
    ms.append((time.monotonic() - t0) * 1000)
    s.close()
    return got
for i in range(3):
    assert first(socket.AF_INET, socket.SOCK_STREAM, ('127.0.0.1', p)) == b'x'
assert first(socket.AF_INET, socket.SOCK_STREAM, ('127.0.0.1', p)) == b''
unread = socket.socket(); unread.connect(('127.0.0.1', p)); time.sleep(0.05); unread.close()
shut = socket.socket(); shut.bind(('127.0.0.1', 0))
assert socket.socket().connect_ex(('127.0.0.1', shut.getsockname()[1])) == 111
assert first(socket.AF_INET, socket.SOCK_DGRAM, ('127.0.0.1', pu), b'hi') == b'y'
os.wait()
print(json.dumps(dict(pid=os.getpid(), ms=ms)))
`;

const client = (ns: Netns) => JSON.parse(ns.exec(PYTHON, ['-c', CLIENT])) as { pid: number; ms: number[] };

test('-P: the first byte after 100, 200, 300 ms (TCP) and 50 ms (UDP); closed first; unread and refused not counted', kernelOpts(), () => {
  const ns = new Netns();
  const { hists, app } = histsDuring(SO1STBYTE, ns, () => client(ns));
  assert.deepEqual(hists.map((h) => [h.pid, h.comm, h.result, h.count]), [[app.pid, 'python3', 'OK', 4], [app.pid, 'python3', 'failed', 1]]);
  const [ok, closed] = hists as [SyscallHist, SyscallHist];
  assert.equal(totalCount(ok.hist), 4);
  // each answer in the bucket of its delay: 50, 100, 200 and 300 ms
  assert.deepEqual(ok.hist.buckets.filter((b) => b.count).map((b) => [b.low, b.count]), [[32768, 1], [65536, 1], [131072, 1], [262144, 1]]);
  const appOk = app.ms[0]! + app.ms[1]! + app.ms[2]! + app.ms[4]!;
  assert.ok(Math.abs(ok.total_ns / 1e6 - appOk) < 20, `kernel ${ok.total_ns / 1e6} ms vs the client's ${appOk} ms`);
  assert.ok(Math.abs(closed.total_ns / 1e6 - app.ms[3]!) < 20, `closed first: ${closed.total_ns / 1e6} ms vs ${app.ms[3]} ms`);
});

test('CLI: --json one report for all; -D; text; bad input', kernelOpts(), async () => {
  const ns = new Netns();
  const json = await traceDuring('so1stbyte', ['--netns', ns.name, '--json', '-d', '3'], () => client(ns));
  assert.deepEqual(json.map((l) => JSON.parse(l) as { hists: SyscallHist[] }).flatMap((r) => r.hists).map((h) => [h.pid, h.result, h.count]),
    [[0, 'OK', 4], [0, 'failed', 1]]);
  // -D 7002: the UDP socket alone
  const text = await traceDuring('so1stbyte', ['--netns', ns.name, '-D', '7002', '-d', '3'], () => client(ns));
  assert.match(text[0]!, /^first byte latency, OK: 1 connections, average \d+\.\d{3} ms$/);
  assert.deepEqual(text.filter((l) => /: [1-9]\d* +\|/.test(l)).map((l) => l.trim().split(/ +/).slice(0, 5)), [['32768', '->', '65535', ':', '1']]);
  assertBadInput(ns, 'so1stbyte', [['-i', '0'], ['-c', '2'], ['-L', '80'], ['-D', '1,2,3,4,5,6,7,8,9']]);
});
