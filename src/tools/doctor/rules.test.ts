// The rules on saved windows (no root, no BPF): windows recorded by the scenario suite on real
// faults (npm run scenarios -- --save test/fixtures/doctor), judged again offline. Each fault is
// the first finding; the healthy baseline has no warning; judging is pure (the same window, the
// same findings, after a round trip through JSON as --bundle/--from make it).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { REPO_ROOT } from '../../testlib/kernel.js';
import { parseWindow } from './bundle.js';
import { judge, RULES } from './rules/index.js';
import { renderJson, renderText, exitStatus } from './render.js';

const DIR = `${REPO_ROOT}test/fixtures/doctor/`;
const fixtures = readdirSync(DIR).filter((f) => f.endsWith('.json')).map((f) => {
  const x = JSON.parse(readFileSync(DIR + f, 'utf8')) as { scenario: string; expect: string | null; window: unknown };
  return { ...x, window: parseWindow(JSON.stringify(x.window), f) };
});

test('the fixtures cover every scenario kind, faults and a healthy baseline', () => {
  assert.ok(fixtures.length >= 15, `${fixtures.length} fixtures`);
  assert.ok(fixtures.some((f) => f.expect === null));
});

for (const f of fixtures) {
  test(`saved window ${f.scenario}: ${f.expect ?? 'healthy'}`, () => {
    const j = judge(f.window);
    if (f.expect === null) {
      assert.deepEqual(j.findings.filter((x) => x.severity !== 'notice').map((x) => x.id), []);
      assert.equal(exitStatus(j), 0);
    } else {
      assert.equal(j.findings[0]?.id, f.expect, j.findings.map((x) => x.id).join(', '));
      const top = j.findings[0]!;
      assert.equal(exitStatus(j), { critical: 4, warning: 3, notice: 0 }[top.severity], 'the exit status follows the worst finding');
      assert.ok(top.proof.length > 0 && top.fix.length > 0 && top.why.length > 0, 'proof, why and fix');
      assert.ok(Object.keys(top.evidence).length > 0, 'evidence by name');
    }
    // pure: the same window again, through JSON, gives the same report
    const again = judge(parseWindow(JSON.stringify(f.window)));
    assert.equal(renderJson(f.window, again), renderJson(f.window, j));
    for (const l of renderText(f.window, j).split('\n')) assert.ok(l.length <= 100, `over 100 columns: ${l}`);
  });
}

test('every rule has an id, a layer, what it reads, why and a fix; ids are unique', () => {
  const ids = RULES.map((r) => r.id);
  assert.equal(new Set(ids).size, ids.length);
  for (const r of RULES) {
    assert.match(r.id, /^[a-z]+\.[a-z_]+$/);
    assert.ok(r.reads.length && r.why.length > 40 && r.fix.length, r.id);
  }
});

test('bad bundles are one-line errors', () => {
  for (const [text, why] of [['nope', /not JSON/], ['{}', /version/], ['{"version":1,"ticks":[]}', /no samples/]] as const) {
    assert.throws(() => parseWindow(text), (e: Error) => why.test(e.message) && !e.message.includes('\n'));
  }
});

test('docs/tools/doctor.md lists every finding of the rules table, as the code makes the list', async () => {
  const { docsSection, findingsTable } = await import('./rules/docs.js');
  const page = readFileSync(`${REPO_ROOT}docs/tools/doctor.md`, 'utf8');
  assert.equal(docsSection(page), findingsTable().trim(), 'regenerate: node dist/tools/doctor/rules/docs.js --write');
  for (const r of RULES) assert.ok(page.includes(`\`${r.id}\``), r.id);
});

/** The healthy window with its last sample changed by `edit` (the faults no namespace can make
 * without touching the host: host-wide tunables, CPU backlogs). */
function healthyWith(edit: (w: ReturnType<typeof parseWindow>) => void): ReturnType<typeof parseWindow> {
  const w = parseWindow(JSON.stringify(fixtures.find((f) => f.expect === null)!.window));
  edit(w);
  return w;
}
const bump = (w: ReturnType<typeof parseWindow>, name: string, by: number) => {
  const last = w.ticks[w.ticks.length - 1]!;
  last.counters[name] = (w.ticks[0]!.counters[name] ?? 0) + by;
};

test('synthetic windows: reordering instead of loss, memory pressure, CPU backlog drops and squeezes', () => {
  const reord = judge(healthyWith((w) => {
    bump(w, 'TcpOutSegs', 200_000); bump(w, 'TcpRetransSegs', 4_000); bump(w, 'TcpExtTCPDSACKRecvSegs', 3_800);
    bump(w, 'TcpExtTCPSACKReorder', 40);
  }));
  assert.deepEqual(reord.findings.map((f) => [f.id, f.severity]), [['tcp.reordering', 'notice']], 'DSACKs for 95%: not loss');
  const loss = judge(healthyWith((w) => { bump(w, 'TcpOutSegs', 200_000); bump(w, 'TcpRetransSegs', 4_000); bump(w, 'TcpExtTCPDSACKRecvSegs', 100); }));
  assert.deepEqual(loss.findings.map((f) => [f.id, f.severity]), [['tcp.retransmits', 'warning']], '2% with few DSACKs: loss');
  const baseline = judge(healthyWith((w) => { bump(w, 'TcpOutSegs', 1_000_000); bump(w, 'TcpRetransSegs', 1_000); }));
  assert.deepEqual(baseline.findings, [], '0.1% is the healthy baseline of loopback and veth');
  const mem = judge(healthyWith((w) => { bump(w, 'TcpExtTCPMemoryPressures', 3); w.config.sysctls['net.ipv4.tcp_mem'] = '188010 250682 376020'; }));
  assert.equal(mem.findings[0]?.id, 'tcp.memory_pressure');
  assert.ok(mem.findings[0]!.fix[0]!.includes('376020 501364 752040'));
  const cpu = judge(healthyWith((w) => {
    const last = w.ticks[w.ticks.length - 1]!;
    last.softnet = last.softnet.map((r, i) => (i === 0 ? { ...r, dropped: w.ticks[0]!.softnet[0]!.dropped + 120, time_squeeze: w.ticks[0]!.softnet[0]!.time_squeeze + 50 } : r));
  }));
  assert.deepEqual(cpu.findings.map((f) => [f.id, f.severity]).sort(), [['softnet.backlog_drops', 'warning'], ['softnet.squeeze', 'warning']]);
  const squeezeOnly = judge(healthyWith((w) => {
    const last = w.ticks[w.ticks.length - 1]!;
    last.softnet = last.softnet.map((r, i) => (i === 0 ? { ...r, time_squeeze: w.ticks[0]!.softnet[0]!.time_squeeze + 50 } : r));
  }));
  assert.deepEqual(squeezeOnly.findings.map((f) => [f.id, f.severity]), [['softnet.squeeze', 'notice']], 'a squeeze is not a drop');
});

test('a sysctl of the initial namespace only, judged in another namespace, is proposed for the host', () => {
  const drops = (initial: boolean | undefined) => judge(healthyWith((w) => {
    w.netns = { ...w.netns, initial };
    const last = w.ticks[w.ticks.length - 1]!;
    last.softnet = last.softnet.map((r, i) => (i === 0 ? { ...r, dropped: w.ticks[0]!.softnet[0]!.dropped + 120 } : r));
    bump(w, 'TcpExtTCPMemoryPressures', 3); w.config.sysctls['net.ipv4.tcp_mem'] = '188010 250682 376020';
  }));
  const fixes = (j: ReturnType<typeof judge>) => j.findings.flatMap((f) => f.fix).filter((x) => /sysctl -w net\.(core\.netdev_max_backlog|ipv4\.tcp_mem)=/.test(x));
  const inside = fixes(drops(false));
  assert.equal(inside.length, 2);
  for (const x of inside) assert.match(x, /# .*on the host: exists in the initial namespace only, applies to all$/);
  for (const x of [...fixes(drops(true)), ...fixes(drops(undefined))]) assert.doesNotMatch(x, /on the host/, 'the initial namespace (or an older window) keeps the fix as it is');
});

test('drops by kernel reason: the table\'s fix where it knows the reason, the bare name where not', async () => {
  const nf = judge(fixtures.find((f) => f.scenario === 'netfilter-drops')!.window);
  const d = nf.drops.find((x) => x.reason === 'NETFILTER_DROP');
  assert.ok(d && d.count > 0 && d.port === 7777 && d.proto === 'udp' && /firewall rule/.test(d.fix ?? ''), JSON.stringify(nf.drops));
  const { dropSummary, dropLine } = await import('./rules/drops.js');
  const w = parseWindow(JSON.stringify(fixtures.find((f) => f.scenario === 'netfilter-drops')!.window));
  w.probes.drops = [{ ...w.probes.drops[0]!, reason: 'SOME_FUTURE_REASON', reason_num: 250, count: 5 }];
  const s = dropSummary(w);
  assert.equal(s[0]!.reason, 'SOME_FUTURE_REASON');
  assert.equal(s[0]!.fix, undefined);
  assert.match(dropLine(s[0]!), /^SOME_FUTURE_REASON x5 at /);
});

test('qdisc drops: a classful parent counting its child\'s drops is not reported again; the child is the culprit', () => {
  const q = (handle: string, parent: string, kind: string, drops: number) => ({
    ifindex: 1, handle, parent, kind, bytes: 0, packets: 1000, drops, overlimits: 0, requeues: 0, qlen: 0, backlog: 0 });
  const j = judge(healthyWith((w) => {
    w.ticks[0]!.qdiscs = [q('1:', 'root', 'htb', 0), q('10:', '1:10', 'tbf', 0), q('0:', 'ingress', 'ingress', 0)];
    // as the kernel counts: htb's 990 are its tbf child's 990
    w.ticks[w.ticks.length - 1]!.qdiscs = [q('1:', 'root', 'htb', 990), q('10:', '1:10', 'tbf', 990), q('0:', 'ingress', 'ingress', 0)];
  }));
  const found = j.findings.filter((f) => f.id === 'qdisc.drops');
  assert.deepEqual(found.map((f) => [f.culprit?.setting, f.evidence.drops]), [['qdisc tbf 10:', 990]]);
  const mq = judge(healthyWith((w) => {
    w.ticks[0]!.qdiscs = [q('0:', 'root', 'mq', 0), q('0:', '0:1', 'pfifo_fast', 0), q('0:', '0:2', 'pfifo_fast', 0)];
    w.ticks[w.ticks.length - 1]!.qdiscs = [q('0:', 'root', 'mq', 30), q('0:', '0:1', 'pfifo_fast', 20), q('0:', '0:2', 'pfifo_fast', 10)];
  })).findings.filter((f) => f.id === 'qdisc.drops');
  assert.deepEqual(mq.map((f) => f.evidence.drops).sort(), [10, 20], 'the queues, not their sum again under mq');
});

test('receive work on one CPU is a warning, or a notice naming the one flow that carried it (no setting spreads a flow)', () => {
  const conc = fixtures.find((f) => f.scenario === 'softirq-concentration')!;
  const w = () => parseWindow(JSON.stringify(conc.window));
  const imb = (x: ReturnType<typeof parseWindow>) => judge(x).findings.find((f) => f.id === 'softirq.imbalance');
  assert.equal(imb(w())?.severity, 'warning', 'the captured spray of many flows');
  const one = w();
  const received = one.ticks.at(-1)!.counters.IpInReceives! - one.ticks[0]!.counters.IpInReceives!;
  const conn = { ...(one.sockets.end[0] ?? {}), cookie: 'f00d', state: 'ESTAB', family: 4 as const, laddr: '198.18.0.2', lport: 5201,
    raddr: '198.18.0.1', rport: 40000, recv_q: 0, send_q: 0, inode: 1, rcvbuf: 0, sndbuf: 0, rmem_alloc: 0, wmem_queued: 0, drops: 0,
    info: { segs_in: Math.round(received * 0.9), segs_out: 10 } };
  one.sockets.end = [...one.sockets.end, conn];
  const f = imb(one)!;
  assert.equal(f.severity, 'notice');
  assert.equal(f.evidence.dominant_flow_share, 0.9);
  assert.match(f.proof.at(-1)!, /^one connection, 198\.18\.0\.1:40000 → 198\.18\.0\.2:5201, carried 90% of the packets received/);
});


test('a tbf\'s fixes are whole commands with its own rate and burst; a queue that dropped is one finding, with its delay', () => {
  const get = (name: string) => fixtures.find((f) => f.scenario === name)!;
  const drops = judge(get('qdisc-drops').window);
  const d = drops.findings[0]!;
  // the scenario's tbf: rate 1mbit burst 10k limit 20k
  assert.match(d.fix[0]!, /^tc -n \S+ qdisc change dev vx0 root tbf rate 1mbit burst 10240 limit 40960 {3}#/);
  assert.match(d.proof[0]!, /queued at the end, ~\d+ ms of waiting/);
  assert.equal(drops.findings.filter((x) => x.id === 'qdisc.backlog').length, 0, 'no second finding for the same full queue');
  // rate 2mbit burst 10k limit 4mb, filled by one TCP stream: queueing delay, no drop
  const bloat = judge(get('qdisc-backlog').window);
  const b = bloat.findings[0]!;
  assert.equal(b.id, 'qdisc.backlog');
  assert.match(b.fix[0]!, /^tc -n \S+ qdisc change dev vx0 root tbf rate 2mbit burst 10240 latency 20ms {3}#/);
  assert.ok((b.evidence.delay_ms as number) > 100, `delay ${b.evidence.delay_ms} ms`);
});

test('a NIC bound to vfio-pci is a notice naming it; none bound: healthy; an older window without the list: not checked', () => {
  const nic = { address: '0000:03:00.0', driver: 'vfio-pci', class: '0x020000', vendor: '0x8086', device: '0x1572' };
  const j = judge(healthyWith((w) => { w.config.bypass = [nic]; }));
  const f = j.findings.filter((x) => x.id === 'nic.kernel_bypass');
  assert.deepEqual(f.map((x) => [x.severity, x.layer, x.title]),
    [['notice', 'device', 'NIC 0000:03:00.0 is bound to vfio-pci: its traffic bypasses the kernel; netdx cannot see it']]);
  assert.equal(f[0]!.evidence.driver, 'vfio-pci');
  assert.deepEqual(judge(healthyWith((w) => { w.config.bypass = []; })).checks.find((c) => c.id === 'nic.kernel_bypass'), { id: 'nic.kernel_bypass', status: 'ok' });
  const old = judge(healthyWith((w) => { delete w.config.bypass; })).checks.find((c) => c.id === 'nic.kernel_bypass')!;
  assert.equal(old.status, 'not_checked');
});

test('the window says what its probes missed: lost events, full tables, runs the kernel skipped', () => {
  const none = healthyWith(() => {});
  assert.ok(!renderText(none, judge(none)).includes('skipped'), 'an older window (no count) says nothing');
  const w = healthyWith((x) => { x.probes.lost = { full: 2, refused: 0, untracked: 1 }; x.probes.skipped = 7; });
  const text = renderText(w, judge(w));
  assert.ok(text.includes('the probes lost 2 events and could not follow 1 sockets'), text);
  assert.ok(text.includes('the kernel skipped 7 runs of the probes (each already running on that CPU)'), text);
});
