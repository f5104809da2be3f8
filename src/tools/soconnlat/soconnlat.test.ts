// Kernel tests for soconnlat: connects with known outcomes and latencies, one of them a
// non-blocking connect that completes a second later (its SYN met a full accept queue and was
// sent again), made by two Python processes in a namespace the test makes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kernelOpts, Netns, PYTHON } from '../../testlib/kernel.js';
import { assertBadInput, traceDuring } from '../../testlib/cli.js';
import { histsDuring } from '../../testlib/sys.js';
import { totalCount } from '../../core/hist.js';
import type { SyscallHist } from '../../core/kit/sys.js';
import { SOCONNLAT } from './lib.js';

/** Python A: 5 blocking connects to a listener, one to a listen(0) listener that fills its
 * queue, a non-blocking one to it (its SYN dropped until the first is accepted 300 ms later,
 * sent again at 1 s), 2 refused, 3 UDP; then B, another process, connects 4 times. Each OK
 * connect's time as the application saw it (the non-blocking one: until writable). */
const CONNECTS = String.raw`
import json, os, select, socket, subprocess, sys, time
ok_ms, keep = [], []
def timed(fn):
    t0 = time.monotonic(); fn(); ok_ms.append((time.monotonic() - t0) * 1000)
l = socket.socket(); l.bind(('127.0.0.1', 0)); l.listen(16); p = l.getsockname()[1]
for i in range(5):
    c = socket.socket(); keep.append(c); timed(lambda: c.connect(('127.0.0.1', p)))
l0 = socket.socket(); l0.bind(('127.0.0.1', 0)); l0.listen(0); p0 = l0.getsockname()[1]
c1 = socket.socket(); timed(lambda: c1.connect(('127.0.0.1', p0)))
c2 = socket.socket(); c2.setblocking(False)
t0 = time.monotonic()
assert c2.connect_ex(('127.0.0.1', p0)) == 115
time.sleep(0.3); keep.append(l0.accept())
assert select.select([], [c2], [], 3)[1] and c2.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) == 0
ok_ms.append((time.monotonic() - t0) * 1000)
shut = socket.socket(); shut.bind(('127.0.0.1', 0))
for i in range(2):
    assert socket.socket().connect_ex(('127.0.0.1', shut.getsockname()[1])) == 111
for i in range(3):
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); keep.append(u); timed(lambda: u.connect(('127.0.0.1', 9)))
b = subprocess.run([sys.executable, '-c', 'import os, socket\nfor i in range(4): socket.create_connection(("127.0.0.1", %d))\nprint(os.getpid())' % p],
                   capture_output=True, text=True)
print(json.dumps(dict(a=os.getpid(), b=int(b.stdout), ok_ms=ok_ms)))
`;

const connects = (ns: Netns) => JSON.parse(ns.exec(PYTHON, ['-c', CONNECTS])) as { a: number; b: number; ok_ms: number[] };

test('-P: per process, OK and failed apart; a non-blocking connect counted when its handshake ended', kernelOpts(), () => {
  const ns = new Netns();
  const { hists, app } = histsDuring(SOCONNLAT, ns, () => connects(ns));
  assert.deepEqual(hists.map((h) => [h.pid, h.comm, h.result, h.count]),
    [[app.a, 'python3', 'OK', 10], [app.a, 'python3', 'failed', 2], [app.b, 'python3', 'OK', 4]].sort((x, y) => (x[0] as number) - (y[0] as number)));
  for (const h of hists) assert.equal(totalCount(h.hist), h.count, 'each latency in the histogram');
  const ok = hists.find((h) => h.pid === app.a && h.result === 'OK')!;
  const appMs = app.ok_ms.reduce((s, x) => s + x, 0);
  assert.ok(Math.abs(ok.total_ns / 1e6 - appMs) < 30, `kernel ${ok.total_ns / 1e6} ms in all vs the application's ${appMs} ms`);
  // the non-blocking one at its handshake's end, a second or so after the call (not the call's
  // few µs); the nine others below 10 ms
  const slow = ok.hist.buckets.filter((b) => b.count && b.low >= 10_000);
  assert.deepEqual(slow.map((b) => b.count), [1]);
  assert.ok([524288, 1048576].includes(slow[0]!.low) && app.ok_ms[6]! >= slow[0]!.low / 1000, `${app.ok_ms[6]} ms in ${JSON.stringify(slow)}`);
  assert.ok(app.ok_ms[6]! > 990 && app.ok_ms[6]! < 1500, `the non-blocking connect took ${app.ok_ms[6]} ms`);
  assert.ok(hists.filter((h) => h.result === 'failed').every((h) => h.hist.buckets.every((b) => !b.count || b.high < 10_000)));
});

test('CLI: --json one report for all processes; text histograms; bad input', kernelOpts(), async () => {
  const ns = new Netns();
  const json = await traceDuring('soconnlat', ['--netns', ns.name, '--json', '-d', '4'], () => connects(ns));
  assert.equal(json.length, 1);
  const r = JSON.parse(json[0]!) as { ts: string; interval_s: number; hists: SyscallHist[] };
  assert.deepEqual(r.hists.map((h) => [h.pid, h.result, h.count]), [[0, 'OK', 14], [0, 'failed', 2]]);
  const text = await traceDuring('soconnlat', ['--netns', ns.name, '-d', '4'], () => connects(ns));
  assert.match(text[0]!, /^connect latency, OK: 14 connects, average \d+\.\d{3} ms$/);
  assert.ok(text.some((l) => /^connect latency, failed: 2 connects, average \d+\.\d{3} ms$/.test(l)), text.join('\n'));
  assert.ok(text.some((l) => /^ +524288 -> 1048575 +: 1 +\|/.test(l) || /^ +1048576 -> 2097151 +: 1 +\|/.test(l)), text.join('\n'));
  assert.ok(text.every((l) => l.length <= 100));
  assertBadInput(ns, 'soconnlat', [['-i', '0'], ['-c', '2'], ['-L', '80'], ['-P', '-4', '-6']]);
});
