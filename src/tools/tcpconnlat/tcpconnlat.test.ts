// Kernel tests for tcpconnlat: connects with known outcomes on the loopback of a namespace this
// test makes: every successful connect counted once in its port's histogram, failed ones in none,
// and one connect whose SYN a full accept queue dropped lands in the bucket of the ~1 s the
// application measured.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { kernelOpts, Netns } from '../../testlib/kernel.js';
import { CLI_MAIN, startTracing } from '../../testlib/cli.js';
import { workload } from '../../testlib/traffic.js';
import { netnsInode } from '../../core/kit/filter.js';
import { startInterval } from '../../core/kit/interval.js';
import type { Histogram } from '../../core/hist.js';
import { TCPCONNLAT, type ConnLatReport } from './lib.js';

/** 20 connects to an IPv4 listener, 7 to an IPv6 one, 3 refused, and 2 to a listen(0) queue. */
async function connects(ns: Netns) {
  const l4 = workload(ns, 'listen', '--host', '127.0.0.1', '--hold', '3000');
  const l6 = workload(ns, 'listen', '--host', '::1', '--hold', '3000');
  const p4 = (await l4.wait('listening')).port as number;
  const p6 = (await l6.wait('listening')).port as number;
  const c4 = workload(ns, 'connect', '--host', '127.0.0.1', '--port', String(p4), '--count', '20');
  const c6 = workload(ns, 'connect', '--host', '::1', '--port', String(p6), '--count', '7');
  const refused = workload(ns, 'connect', '--host', '127.0.0.1', '--port', '9', '--count', '3');
  // listen(0) keeps the first connection unaccepted for 500 ms: the second's SYN finds the queue
  // full and is dropped; its retransmit after the initial RTO (1 s) gets in
  const slow = workload(ns, 'listen', '--host', '127.0.0.1', '--backlog', '0', '--accept-after', '500', '--hold', '3000');
  const ps = (await slow.wait('listening')).port as number;
  const two = workload(ns, 'connect', '--host', '127.0.0.1', '--port', String(ps), '--count', '2', '--hold', '100');
  for (const w of [c4, c6, refused, two]) await w.done();
  return { p4, p6, ps, appMs: two.all('connect').map((c) => c.ms as number) };
}

const counts = (h: Histogram) => h.buckets.filter((b) => b.count > 0);

test('per remote port: each successful connect once; the one held by a full queue in its ~1 s bucket', kernelOpts(), async () => {
  const ns = new Netns('netdxcl');
  const probe = startInterval(TCPCONNLAT, { filter: { netns: netnsInode(ns.name) }, options: { perPort: true } });
  let r: ConnLatReport;
  let c;
  try {
    c = await connects(ns);
  } finally {
    r = probe.stop();
  }
  assert.deepEqual(r.hists.map((h) => [h.port, h.count]), [[c.p4, 20], [c.p6, 7], [c.ps, 2]].sort((a, b) => a[0]! - b[0]!));
  const fast = r.hists.filter((h) => h.port !== c.ps).flatMap((h) => counts(h.hist));
  assert.ok(fast.every((b) => b.high < 50_000), `loopback handshakes under 50 ms: ${JSON.stringify(fast)}`);
  const slow = counts(r.hists.find((h) => h.port === c.ps)!.hist);
  const appUs = Math.max(...c.appMs) * 1000;
  const last = slow[slow.length - 1]!;
  // the kernel's time is a little under the application's (within 20 ms: tcpconnect's test)
  assert.ok(last.count === 1 && last.low <= appUs && last.high >= appUs - 20_000 && appUs >= 1_000_000, `${JSON.stringify(slow)} vs ${appUs} µs`);
  assert.ok(slow.length === 2 && slow[0]!.count === 1 && slow[0]!.high < 50_000);
  assert.deepEqual(probe.lost(), { full: 0, refused: 0, untracked: 0 });
});

test('CLI: -i -c --json per interval, -D in the kernel, the text histogram; bad input', kernelOpts(), async () => {
  const ns = new Netns('netdxcl');
  const all = await startTracing('tcpconnlat', ['--netns', ns.name, '--json']);
  const text = await startTracing('tcpconnlat', ['--netns', ns.name]);
  const c = await connects(ns);
  const only6 = await startTracing('tcpconnlat', ['--netns', ns.name, '-D', String(c.p6), '-i', '0.5', '-c', '1', '--json']);
  await workload(ns, 'connect', '--host', '::1', '--port', String(c.p6), '--count', '3').done();
  await workload(ns, 'connect', '--host', '127.0.0.1', '--port', String(c.p4), '--count', '2').done();
  for (const r of [all, text]) {
    r.cp.kill('SIGINT');
    assert.equal(await r.exit, 0, r.err.join('\n'));
  }
  assert.equal(await only6.exit, 0);
  const o = JSON.parse(all.out[0]!) as { ts: string; interval_s: number; hists: ConnLatReport['hists'] };
  assert.deepEqual(Object.keys(o), ['ts', 'interval_s', 'hists']);
  assert.deepEqual(o.hists.map((h) => [h.port, h.count, h.hist.unit]), [[0, 20 + 7 + 2 + 3 + 2, 'usecs']], 'one histogram without -P');
  const six = JSON.parse(only6.out[0]!) as typeof o;
  assert.deepEqual(six.hists.map((h) => h.count), [3], '-D: the 3 connects to the IPv6 port only');
  assert.equal(text.out[0], 'connects = 34');
  assert.match(text.out[1]!, /^ +usecs +: count +distribution$/);
  assert.ok(text.out.every((l) => l.length <= 100));
  for (const args of [['-c', '2'], ['-i', '0'], ['-P', 'x'], ['--netns', 'netdx-no-such-namespace']]) {
    const r = spawnSync(process.execPath, [CLI_MAIN, 'tcpconnlat', ...args], { encoding: 'utf8' });
    assert.equal(r.status, 1, `${args.join(' ')} exits 1 (${r.stderr.trim()})`);
    assert.match(r.stderr, /^netdx: [^\n]+\n$/, `${args.join(' ')}: one line`);
  }
});
