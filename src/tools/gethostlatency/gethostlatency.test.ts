// Kernel tests for gethostlatency: lookups through libc in a namespace the test makes, answered by
// the test's own resolver there (slow.netdx.test after 150 ms, none.netdx.test NXDOMAIN at once),
// counted per process against what the client did; and a process whose libc is another file (a
// copy bind-mounted over it in its own mount namespace: BCC issue #853), found through -p.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { kernelOpts, Netns } from '../../testlib/kernel.js';
import { workload, type Workload } from '../../testlib/traffic.js';
import { NONE_NAME, SLOW_NAME, startResolver, useResolver } from '../../testlib/dns.js';
import { assertBadInput, traceDuring } from '../../testlib/cli.js';
import { netnsInode } from '../../core/kit/filter.js';
import { startEvents } from '../../core/kit/events.js';
import { registerCleanup } from '../../core/cleanup.js';
import { libcOf } from '../../core/proc/libc.js';
import { GETHOSTLATENCY, type GethostEvent } from './lib.js';

const DELAY = 150;
const N = 4;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The client's own timing of each lookup, in order. */
const resolved = (w: Workload) => w.all('resolved').map((r) => ({ name: r.name as string, result: r.result as string, ms: r.ms as number, tid: r.tid as number }));

function assertLookups(got: GethostEvent[], w: Workload, func: string, results: Record<string, [string, string]>): void {
  const app = resolved(w);
  assert.equal(got.length, app.length, `one event per call of ${w.pid}: ${JSON.stringify(got.map((e) => [e.func, e.host]))}`);
  got.forEach((e, i) => {
    const a = app[i]!;
    const [result, appResult] = results[a.name]!;
    assert.deepEqual([e.func, e.host, e.result, e.pid, e.tid, e.comm], [func, a.name, result, w.pid, a.tid, 'python3']);
    assert.equal(a.result, appResult, 'what the application got');
    assert.ok(e.latency_ms <= a.ms + 1, `the call inside the application's timing: ${e.latency_ms} vs ${a.ms} ms`);
    if (a.name === SLOW_NAME) assert.ok(e.latency_ms >= DELAY, `${SLOW_NAME} waited for the resolver: ${e.latency_ms} ms`);
    else assert.ok(e.latency_ms < DELAY, `${NONE_NAME} answered at once: ${e.latency_ms} ms`);
  });
}

test('getaddrinfo, gethostbyname, gethostbyname_r, gethostbyname2_r: one event per call, the name, latency and result', kernelOpts(), async () => {
  const ns = new Netns();
  const dns = await startResolver(ns, '127.0.0.1', DELAY);
  useResolver(ns, '127.0.0.1');
  const events: GethostEvent[] = [];
  const probe = startEvents(GETHOSTLATENCY, (e) => events.push(e), { filter: { netns: netnsInode(ns.name) } });
  try {
    assert.match(probe.notes.join('\n'), /system's libc \/\S+libc\.so\.6/);
    const names = `${SLOW_NAME},${NONE_NAME}`;
    const gai = workload(ns, 'resolve', '--names', names, '--count', String(N), '--unspec');
    await gai.done();
    // gethostbyname calls gethostbyname_r inside: one lookup each, h_errno from the inner call
    const ghbn = workload(ns, 'resolve', '--names', names, '--count', String(N), '--call', 'gethostbyname');
    await ghbn.done();
    await sleep(100);
    probe.poll();
    assertLookups(events.filter((e) => e.pid === gai.pid), gai, 'getaddrinfo', { [SLOW_NAME]: ['OK', 'OK'], [NONE_NAME]: ['EAI_NONAME', 'EAI -2'] });
    assertLookups(events.filter((e) => e.pid === ghbn.pid), ghbn, 'gethostbyname', { [SLOW_NAME]: ['OK', 'OK'], [NONE_NAME]: ['HOST_NOT_FOUND', 'h_errno 1'] });
    assert.deepEqual(events.filter((e) => e.pid === ghbn.pid).map((e) => e.h_errno), Array(N).fill([0, 1]).flat(), 'h_errno read through gethostbyname_r');
    // the reentrant ones called directly: *result and *h_errnop (gethostbyname2_r's on the stack)
    for (const call of ['gethostbyname_r', 'gethostbyname2_r']) {
      const w = workload(ns, 'resolve', '--names', names, '--count', String(N), '--call', call);
      await w.done();
      await sleep(100);
      probe.poll();
      const got = events.filter((e) => e.pid === w.pid);
      assertLookups(got, w, call, { [SLOW_NAME]: ['OK', 'OK'], [NONE_NAME]: ['HOST_NOT_FOUND', 'h_errno 1'] });
      assert.deepEqual(got.map((e) => e.ret), Array(2 * N).fill(0), 'the _r functions return 0 when the name is not found');
    }
    assert.equal(events.length, 8 * N, `nothing else in the namespace: ${JSON.stringify(events.map((e) => [e.pid, e.comm, e.host]))}`);
    // the lookups really went to the test's resolver: each getaddrinfo asked for A and AAAA
    const asked = dns.all('query').filter((q) => q.name === SLOW_NAME);
    assert.ok(asked.length >= 3 * N, `the resolver saw the slow lookups: ${asked.length}`);
  } finally {
    const lost = probe.stop();
    assert.deepEqual(lost, { full: 0, refused: 0, untracked: 0 });
  }
});

test('-p: a process whose libc is another file (its own mount namespace) is traced in its libc', kernelOpts(), async () => {
  const ns = new Netns();
  await startResolver(ns, '127.0.0.1', DELAY);
  useResolver(ns, '127.0.0.1');
  const copy = `/tmp/netdx-libc-${process.pid}.so`;
  const go = `/tmp/netdx-gethost-go-${process.pid}`;
  const drop = () => { rmSync(copy, { force: true }); rmSync(go, { force: true }); };
  const unregister = registerCleanup(drop);
  try {
    const w = workload(ns, 'resolve', '--names', `${SLOW_NAME},${NONE_NAME}`, '--count', String(N), '--unspec', '--private-libc', copy, '--wait-file', go);
    await w.wait('ready');
    const mine: GethostEvent[] = [];
    const system: GethostEvent[] = [];
    const byPid = startEvents(GETHOSTLATENCY, (e) => mine.push(e), { filter: { pid: w.pid } });
    const bySystem = startEvents(GETHOSTLATENCY, (e) => system.push(e), { filter: { netns: netnsInode(ns.name) } });
    try {
      assert.match(byPid.notes.join('\n'), new RegExp(`maps, /proc/${w.pid}/root/\\S+libc\\.so\\.6 \\(in its own root`));
      writeFileSync(go, '');
      await w.done();
      await sleep(100);
      byPid.poll();
      bySystem.poll();
      assertLookups(mine, w, 'getaddrinfo', { [SLOW_NAME]: ['OK', 'OK'], [NONE_NAME]: ['EAI_NONAME', 'EAI -2'] });
      assert.deepEqual(system, [], 'the system libc\'s probes do not see a process that maps another');
    } finally {
      byPid.stop();
      bySystem.stop();
    }
  } finally {
    drop();
    unregister();
  }
});

test('CLI: --json per lookup, -p with the table, and bad input', kernelOpts(), async () => {
  const ns = new Netns();
  await startResolver(ns, '127.0.0.1', DELAY);
  useResolver(ns, '127.0.0.1');
  let w: Workload | undefined;
  const out = await traceDuring('gethostlatency', ['--json', '--netns', ns.name, '-d', '4'], async () => {
    w = workload(ns, 'resolve', '--names', `${SLOW_NAME},${NONE_NAME}`, '--count', '2');
    await w.done();
  });
  const evs = out.map((l) => JSON.parse(l) as GethostEvent).filter((e) => e.pid === w!.pid);
  assert.deepEqual(evs.map((e) => [e.func, e.host, e.result]), Array(2).fill([['getaddrinfo', SLOW_NAME, 'OK'], ['getaddrinfo', NONE_NAME, 'EAI_NONAME']]).flat());
  // -p, the table: the process waits until the tool traces, then looks up
  const go = `/tmp/netdx-gethost-cli-${process.pid}`;
  const unregister = registerCleanup(() => rmSync(go, { force: true }));
  try {
    const p = workload(ns, 'resolve', '--names', `${SLOW_NAME},${NONE_NAME}`, '--count', '2', '--wait-file', go);
    await p.wait('ready');
    const table = await traceDuring('gethostlatency', ['-p', String(p.pid), '-d', '4'], async () => {
      writeFileSync(go, '');
      await p.done();
    });
    assert.match(table[0]!, /^PID +TID +COMM +FUNC +LAT_MS +RESULT +HOST$/);
    assert.deepEqual(table.slice(1).map((l) => l.split(/ +/)).map((f) => [f[0], f[2], f[3], f[5], f[6]]),
      Array(2).fill([[String(p.pid), 'python3', 'getaddrinfo', 'OK', SLOW_NAME], [String(p.pid), 'python3', 'getaddrinfo', 'EAI_NONAME', NONE_NAME]]).flat());
  } finally {
    rmSync(go, { force: true });
    unregister();
  }
  // a library with none of the functions: refused, not a tool that traces nothing
  const libm = libcOf().path.replace(/libc\.so\.6$/, 'libm.so.6');
  assertBadInput(ns, 'gethostlatency', [['-p', '0'], ['--libc', '/no/such/libc.so.6'], ['--libc', libm], ['-4'], ['-L', '53'],
    ['--netns', 'no-such-ns-here'], ['-d', '0']]);
});
