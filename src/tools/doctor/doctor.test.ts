// The doctor's command line against the real kernel: a namespace's fault found by name, by the
// PID of a process living in it, judged again from its bundle; the JSON contract and the exit
// status; bad input; nothing left loaded, however it ends.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { spawn, spawnSync } from 'node:child_process';
import { kernelOpts, vethPair, bpfProgIds, progsLeft, REPO_ROOT } from '../../testlib/kernel.js';
import { workload } from '../../testlib/traffic.js';

const MAIN = `${REPO_ROOT}dist/netdx.cjs`;

function doctor(args: string[]): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [MAIN, 'doctor', ...args], { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

test('--netns and --pid find a namespace\'s UDP drops; --bundle/--from judge the same; exit 4; JSON contract', kernelOpts(), async () => {
  const { a, b } = vethPair();
  const l = workload(b, 'udp-listen', '--host', '198.18.0.2', '--rcvbuf', '4096', '--read-after', '20000', '--hold', '20000');
  const port = (await l.wait('listening')).port as number;
  const s = workload(a, 'udp-send', '--host', '198.18.0.2', '--port', String(port), '--count', '1000000', '--size', '512', '--seconds', '15', '--pace-us', '2000');
  const dir = mkdtempSync(`${tmpdir()}/netdx-doctor-`);
  try {
    const before = bpfProgIds((n) => n.startsWith('doctor_'));
    const r = doctor(['--quick', '--json', '--netns', b.name, '--bundle', dir]);
    assert.equal(r.code, 4, `critical: exit 4 (${r.err})`);
    const j = JSON.parse(r.out) as { window_s: number; netns: string; findings: Array<Record<string, unknown>>; checks: Array<{ id: string; status: string }> };
    assert.deepEqual(Object.keys(j).slice(0, 2), ['window_s', 'netns']);
    assert.equal(j.netns, b.name);
    assert.ok(j.window_s >= 2.9 && j.window_s < 4, `window ${j.window_s}`);
    const f = j.findings[0]!;
    assert.deepEqual(Object.keys(f), ['id', 'severity', 'layer', 'title', 'culprit', 'evidence', 'proof', 'why', 'fix']);
    assert.equal(f.id, 'udp.rcvbuf_drops');
    assert.equal(f.severity, 'critical');
    assert.deepEqual(f.culprit, { proto: 'udp', family: 4, laddr: '198.18.0.2', lport: port, pid: l.pid, comm: 'python3', netns: b.name, setting: 'SO_RCVBUF' });
    assert.ok(j.checks.some((c) => c.id === 'tcp.retransmits' && c.status === 'ok'));
    // judged again from the bundle: the same findings, without root's help
    const again = doctor(['--from', dir, '--json']);
    assert.equal(again.code, 4);
    assert.deepEqual((JSON.parse(again.out) as typeof j).findings, j.findings);
    // --pid of a process in another namespace: followed into it, and said so
    const byPid = doctor(['--quick', '--pid', String(l.pid)]);
    assert.equal(byPid.code, 4, byPid.err);
    assert.match(byPid.err, new RegExp(`process ${l.pid} lives in network namespace ${b.name}: judging that one`));
    assert.match(byPid.out, /CRITICAL {2}UDP 198\.18\.0\.2:\d+ dropped \d+ datagrams: python3 \(pid \d+\) reads too slowly/);
    for (const line of byPid.out.split('\n')) assert.ok(line.length <= 100, line);
    assert.deepEqual(await progsLeft([...bpfProgIds((n) => n.startsWith('doctor_'))].filter((id) => !before.has(id))), [], 'no probe left');
  } finally {
    rmSync(dir, { recursive: true, force: true });
    s.cp.kill('SIGKILL');
    l.cp.kill('SIGKILL');
  }
});

test('bad input: one line, non-zero exit', kernelOpts(), () => {
  const dir = mkdtempSync(`${tmpdir()}/netdx-doctor-bad-`);
  try {
    writeFileSync(`${dir}/window.json`, '{"version": 1, "ticks": [');
    for (const [args, re] of [
      [['--netns', 'no-such-ns-netdx'], /^netdx: finding network namespace no-such-ns-netdx: no \/run\/netns\/no-such-ns-netdx$/],
      [['--pid', '999999999'], /^netdx: finding the network namespace of process 999999999: no such process$/],
      [['--port', '70000'], /^netdx: parsing --port: 70000 is not a port/],
      [['-d', '0'], /^netdx: parsing -d: SECONDS must be above 0/],
      [['-d', '-3'], /^netdx: parsing -d/],
      [['--out', '/no/such/dir/r.html'], /^netdx: writing \/no\/such\/dir\/r.html: no directory \/no\/such\/dir$/],
      [['--from', dir], /^netdx: reading bundle .*window.json: not JSON/],
      [['--from', `${dir}/nothing`], /^netdx: reading bundle .*: no such file$/],
      [['--quick', '-d', '5'], /exclude each other/],
    ] as const) {
      const r = doctor([...args]);
      assert.ok(r.code === 1, `${args.join(' ')}: exit 1, got ${r.code}: ${r.err}`);
      assert.equal(r.out, '');
      assert.equal(r.err.trim().split('\n').length, 1, r.err);
      assert.match(r.err.trim(), re);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('Ctrl-C or SIGTERM in the window judges what was sampled; no probe survives those or SIGKILL', kernelOpts({ timeout: 60_000 }), async () => {
  const { b } = vethPair();
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGKILL'] as const) {
    const before = bpfProgIds((n) => n.startsWith('doctor_'));
    const cp = spawn(process.execPath, [MAIN, 'doctor', '-d', '30', '--json', '--netns', b.name], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    cp.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    const exit = new Promise<number | null>((res) => cp.on('exit', (code) => res(code)));
    // wait until its probes are in the kernel, then a little of the window
    let during: number[] = [];
    for (let i = 0; i < 100 && during.length === 0; i++) {
      await new Promise((r) => setTimeout(r, 50));
      during = [...bpfProgIds((n) => n.startsWith('doctor_'))].filter((id) => !before.has(id));
    }
    assert.ok(during.length > 0, `${sig}: the doctor's programs are loaded during the window`);
    await new Promise((r) => setTimeout(r, 1500));
    cp.kill(sig);
    const code = await exit;
    if (sig !== 'SIGKILL') {
      assert.equal(code, 0, `${sig}: a quiet namespace, judged: exit 0`);
      const j = JSON.parse(out) as { window_s: number; netns: string; findings: unknown[] };
      assert.equal(j.netns, b.name);
      assert.ok(j.window_s > 1 && j.window_s < 10, `${sig}: the window ends at the signal (${j.window_s} s of 30)`);
      assert.deepEqual(j.findings, []);
    }
    assert.deepEqual(await progsLeft(during), [], `${sig}: none of its programs remain`);
  }
});
