// Kernel tests for sormem: UDP receivers with SO_RCVBUF 4096 that read late, in a namespace the
// test makes (loopback inside it), against the namespace's own UdpRcvbufErrors/Udp6RcvbufErrors
// and the applications' counts; and a TCP stream whose bytes read the reader counts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kernelOpts, Netns } from '../../testlib/kernel.js';
import { assertUsageErrors, startTracing } from '../../testlib/cli.js';
import { workload } from '../../testlib/traffic.js';
import { netnsInode } from '../../core/kit/filter.js';
import { totalCount } from '../../core/hist.js';
import { parseSnmp6, parseSnmpTable } from '../../core/proc/snmp.js';
import { startSormem, type SormemReport, type SormemSocket, type SormemVia } from './lib.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The namespace's receive-buffer drop counters, IPv4 and IPv6. */
function rcvbufErrors(ns: Netns): { v4: number; v6: number } {
  const v4 = parseSnmpTable(ns.exec('cat', ['/proc/net/snmp'])).get('UdpRcvbufErrors') ?? 0n;
  const v6 = parseSnmp6(ns.exec('cat', ['/proc/net/snmp6'])).get('Udp6RcvbufErrors') ?? 0n;
  return { v4: Number(v4), v6: Number(v6) };
}

/** A receiver with SO_RCVBUF 4096 that starts reading after 800 ms, and 200 datagrams of 512 B sent to it at once. */
async function lateReader(ns: Netns, host: string) {
  const r = workload(ns, 'udp-listen', '--host', host, '--rcvbuf', '4096', '--read-after', '800', '--hold', '1300');
  const port = (await r.wait('listening')).port as number;
  const s = await workload(ns, 'udp-send', '--host', host, '--port', String(port), '--count', '200', '--size', '512').done();
  const received = (await r.done()).received as number;
  return { port, pid: r.pid, sent: s.sent as number, received };
}

for (const via of ['raw_tp', 'tracepoint', 'tp_btf'] as const satisfies readonly SormemVia[]) {
test(`UDP receivers that read late: drops per port = UdpRcvbufErrors, reads and fill % (${via})`, kernelOpts(), async () => {
  const ns = new Netns('netdxrmem');
  const before = rcvbufErrors(ns);
  const probe = startSormem({ netns: netnsInode(ns.name) }, { via });
  assert.equal(probe.via, via);
  let r: SormemReport;
  let v4, v6, tcp;
  try {
    // a TCP stream too: 2 MB read by the listener
    const l = workload(ns, 'listen', '--host', '127.0.0.1', '--read', '--hold', '2500');
    const lport = (await l.wait('listening')).port as number;
    const c = workload(ns, 'connect', '--host', '127.0.0.1', '--port', String(lport), '--send', '2000000', '--hold', '1500');
    [v4, v6] = await Promise.all([lateReader(ns, '127.0.0.1'), lateReader(ns, '::1')]);
    await c.done();
    tcp = { port: lport, pid: l.pid, read: (await l.done()).read as number };
    await sleep(50);
    r = probe.sample();
  } finally {
    probe.stop();
  }
  const after = rcvbufErrors(ns);
  const one = (proto: string, family: number, port: number): SormemSocket => {
    const got = r.sockets.filter((s) => s.proto === proto && s.family === family && s.lport === port);
    assert.equal(got.length, 1, `${proto}${family} port ${port}: ${JSON.stringify(r.sockets)}`);
    return got[0]!;
  };
  for (const [app, family, delta] of [[v4!, 4, after.v4 - before.v4], [v6!, 6, after.v6 - before.v6]] as const) {
    const s = one('udp', family, app.port);
    assert.ok(app.received > 0 && app.received < app.sent, `some got in, most were dropped: ${app.received}/${app.sent}`);
    assert.equal(s.drops, delta, `IPv${family}: drops = the namespace's RcvbufErrors (${delta})`);
    assert.equal(s.drops, app.sent - app.received, 'every datagram not read was dropped for the buffer');
    assert.equal(s.udp_fails, via === 'tracepoint' ? 0 : s.drops, 'udp_fail_queue_rcv_skb: the same drops (not on the classic tracepoint)');
    assert.deepEqual([s.pid, s.comm, s.rcvbuf, s.netns], [app.pid, 'python3', 8192, netnsInode(ns.name)], 'SO_RCVBUF 4096: the kernel doubles it');
    assert.deepEqual([s.reads, s.bytes], [app.received, app.received * 512], 'every read, every byte');
    assert.equal(totalCount(s.hist), s.reads);
    // the first read found the buffer as the drops left it: near full
    assert.ok(s.hist.buckets.some((b) => b.low >= 80 && b.count > 0), JSON.stringify(s.hist));
    assert.ok(s.max_pct >= 90 && s.max_rmem <= s.rcvbuf + 4096, `max ${s.max_pct}%: ${s.max_rmem} of ${s.rcvbuf}`);
    assert.ok(s.hist.buckets.every((b) => b.count === 0 || b.low <= s.max_pct), 'no read fuller than the fullest');
  }
  const t = one('tcp', 4, tcp!.port);
  assert.equal(tcp!.read, 2000000);
  assert.deepEqual([t.pid, t.bytes, t.drops], [tcp!.pid, 2000000, 0], 'the reader\'s bytes, exactly');
  assert.ok(t.reads > 0 && t.rcvbuf > 0);
  assert.ok(t.hist.buckets.every((b) => b.count === 0 || b.low <= t.max_pct), `TCP: no read fuller than the fullest (${t.max_pct}%)`);
  assert.deepEqual(probe.lost(), { full: 0, refused: 0, untracked: 0 });
});
}

test('filters: -L of another port and -p of another process see none of it', kernelOpts(), async () => {
  const ns = new Netns('netdxrmem');
  const byPort = startSormem({ netns: netnsInode(ns.name), lports: [9] });
  const byPid = startSormem({ netns: netnsInode(ns.name), pid: process.pid });
  let a: SormemReport, b: SormemReport;
  try {
    await lateReader(ns, '127.0.0.1');
    a = byPort.sample();
    b = byPid.sample();
  } finally {
    byPort.stop();
    byPid.stop();
  }
  assert.deepEqual(a.sockets, []);
  assert.deepEqual(b.sockets, []);
});

/** Runs `netdx sormem ARGS`; `during` runs once it is tracing. */
async function cli(args: string[], during: () => Promise<unknown>): Promise<{ code: number | null; out: string[]; err: string[] }> {
  const t = await startTracing('sormem', args);
  const closed = new Promise<number | null>((r) => t.cp.on('close', r));
  await during();
  return { code: await closed, out: t.out, err: t.err };
}

test('CLI: -i 1 -d 2.5 --json sums to the answer; the table and histograms within 100 columns', kernelOpts(), async () => {
  const ns = new Netns('netdxrmem');
  const before = rcvbufErrors(ns);
  let app: Awaited<ReturnType<typeof lateReader>> | undefined;
  const r = await cli(['--netns', ns.name, '-i', '1', '-d', '2.5', '--json'], async () => { app = await lateReader(ns, '127.0.0.1'); });
  assert.equal(r.code, 0, r.err.join('\n'));
  assert.equal(r.out.length, 3, r.out.join('\n'));
  const rows = r.out.map((l) => JSON.parse(l) as { sockets: SormemSocket[] }).flatMap((o) => o.sockets).filter((s) => s.lport === app!.port);
  const sum = (f: (s: SormemSocket) => number) => rows.reduce((n, s) => n + f(s), 0);
  assert.deepEqual([sum((s) => s.reads), sum((s) => s.drops)], [app!.received, rcvbufErrors(ns).v4 - before.v4]);

  const t = await cli(['--netns', ns.name, '-d', '2'], async () => { app = await lateReader(ns, '127.0.0.1'); });
  assert.equal(t.code, 0, t.err.join('\n'));
  assert.match(t.out[0]!, /^PID +COMM +PROTO +LADDR +LPORT +RPORT +RCVBUF +MAX_RMEM +MAX% +READS +BYTES +DROPS$/);
  assert.match(t.out[1]!, new RegExp(`^${app!.pid} +python3 +udp +127\\.0\\.0\\.1 +${app!.port} +0 +8192 +\\d+ +\\d+ +${app!.received} +${app!.received * 512} +${app!.sent - app!.received}$`));
  assert.ok(t.out.includes(`rcvbuf fill of udp port ${app!.port} (rcvbuf 8192, pid ${app!.pid} python3), at each read`), t.out.join('\n'));
  assert.ok(t.out.every((l) => [...l].length <= 100));
});

test('CLI: bad input is one line and exit 1', kernelOpts(), () => {
  assertUsageErrors('sormem', [['-4', '-6'], ['--netns', 'no-such-ns-here'], ['--cgroup', '/'], ['-c', '2'], ['-i', '0'], ['-D', '1,2,3,4,5,6,7,8,9'], ['-p', '0']]);
});
