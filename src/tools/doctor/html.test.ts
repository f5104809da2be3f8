// The doctor's HTML report: built from a real window (a committed --bundle capture with findings)
// and from windows made here, loaded in headless Chromium as a person would open it: no console
// error, no request but the file itself, every finding's title visible, a chart for each counter
// the findings name; strings from the window (a comm, an interface name) shown as text, never run.
// No root or BPF: the windows are data. The screenshot is kept in test-artifacts/.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { browserOpts, TestBrowser } from '../../testlib/browser.js';
import { parseWindow } from './bundle.js';
import { renderHtml } from './html.js';
import { judge } from './rules/index.js';
import { WindowView } from './rules/view.js';
import { WINDOW_VERSION, type DoctorWindow, type Tick } from './window.js';

const REPO = new URL('../../../', import.meta.url).pathname;
const FIXTURE = `${REPO}test/fixtures/doctor-html/loopback-faults.json`;
const HOSTILE = '<script>alert(1)</script>';

/**
 * A small window made in code: six samples a second apart on two CPUs; CPU1's backlog drops 40
 * packets a second, a UDP socket owned by `comm` drops 50 datagrams a second, one of the two
 * pfifo_fast children of the interface's mq drops 5 packets a second, TCP sends 500 segments a
 * second and retransmits none. Without faults, nothing drops.
 */
function madeWindow(opts: { comm?: string; ifname?: string; faults?: boolean } = {}): DoctorWindow {
  const cpus = [0, 1];
  const faults = opts.faults ?? true;
  const ticks: Tick[] = [];
  for (let i = 0; i <= 5; i++) {
    ticks.push({
      t: i,
      counters: { TcpOutSegs: 1000 + 500 * i, TcpRetransSegs: 3, UdpInDatagrams: 100 * i, UdpRcvbufErrors: faults ? 50 * i : 0, Udp6RcvbufErrors: 0 },
      softnet: cpus.map((cpu) => ({ cpu, processed: 1000 * i, dropped: faults && cpu === 1 ? 40 * i : 0, time_squeeze: 0, backlog: 0 })),
      softirqs: { cpus, net_rx: cpus.map(() => 200 * i), net_tx: [0, 0] },
      cpu: cpus.map((cpu) => ({ cpu, busy: 10 * i, softirq: i, irq: 0, total: 100 * i })),
      nic_irqs: [],
      links: [{ ifindex: 2, name: opts.ifname ?? 'eth0', operstate: 'up', stats: { rx_packets: 300 * i, tx_packets: 200 * i, rx_errors: 0, tx_dropped: 0 } }],
      // an mq device's children: one handle, told apart by their parents; the first drops
      qdiscs: [1, 2].map((n) => ({ ifindex: 2, handle: '0:', parent: `8001:${n}`, kind: 'pfifo_fast', bytes: 1000 * i, packets: 10 * i,
        drops: faults && n === 1 ? 5 * i : 0, overlimits: 0, requeues: 0, qlen: 0, backlog: 0 })),
      listeners: [],
      synq: {},
      udp: [{ family: 4, laddr: '127.0.0.1', lport: 5353, raddr: '0.0.0.0', rport: 0, recv_q: 4096, rcvbuf: 8192, rmem_alloc: 8000,
        drops: faults ? 50 * i : 0, inode: 77, cookie: '9' }],
    });
  }
  return {
    version: WINDOW_VERSION,
    host: { hostname: 'made-in-test', kernel: '6.1.0-test', cpus },
    netns: { inode: 4026531840, own: true },
    focus: {},
    started: '2026-11-30T12:00:00.000Z',
    duration_s: 5,
    quick: false,
    ticks,
    sockets: { start: [], end: [] },
    config: {
      sysctls: { 'net.core.rmem_default': '212992', 'net.core.rmem_max': '212992', 'net.core.netdev_max_backlog': '1000' },
      interfaces: [],
      scaling: { interfaces: [], global: { netdev_max_backlog: 1000, netdev_budget: 300, netdev_budget_usecs: 8000 } },
      owners: { 77: { pid: 4242, comm: opts.comm ?? 'dnsd' } },
    },
    probes: { ran: false, why_not: 'made in a test', drops: [], retrans: [], resets: [], failed_connects: [], dns: [], lost: { full: 0, refused: 0, untracked: 0 }, notes: [] },
    notes: [],
  };
}

/** The series keys each finding's evidence names that moved: the report must chart each one. */
function evidenceSeries(w: DoctorWindow, j: ReturnType<typeof judge>): string[] {
  const v = new WindowView(w);
  return [...new Set(j.findings.flatMap((f) => Object.keys(f.evidence).filter((k) => v.has(k) && v.delta(k) > 0)))];
}

/** The data-series keys of the charts in a page's HTML. */
function chartedSeries(html: string): Set<string> {
  return new Set([...html.matchAll(/<figure class="chart[^"]*" id="[^"]+" data-series="([^"]*)"/g)].flatMap((m) => m[1]!.split(' ')));
}

function writeTemp(html: string): { file: string; dispose(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'netdx-html-'));
  const file = join(dir, 'report.html');
  writeFileSync(file, html);
  return { file, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}

test('a window made in code: charts for what moved and for every counter a finding names, none for the rest', () => {
  const w = madeWindow();
  const j = judge(w);
  const ids = j.findings.map((f) => f.id);
  assert.ok(['udp.rcvbuf_drops', 'softnet.backlog_drops', 'qdisc.drops'].every((id) => ids.includes(id)), `findings: ${ids.join(', ')}`);
  const html = renderHtml(w, j);
  const series = chartedSeries(html);
  for (const k of evidenceSeries(w, j)) assert.ok(series.has(k), `a chart of ${k} (a finding names it)`);
  for (const k of ['softnet.dropped.cpu1', 'softirqs.NET_RX.cpu0', 'TcpOutSegs', 'link.eth0.rx_packets', 'link.eth0.tx_packets', 'qdisc.eth0.0:.8001:1.drops']) {
    assert.ok(series.has(k), `a chart of ${k}; charted: ${[...series].join(' ')}`);
  }
  // flat series are not drawn: no retransmits, no drops on CPU0, no interface errors
  for (const k of ['TcpRetransSegs', 'softnet.dropped.cpu0', 'Udp6RcvbufErrors', 'link.eth0.rx_errors', 'softnet.time_squeeze.cpu0',
    'qdisc.eth0.0:.8001:2.drops', 'qdisc.eth0.0:.8001:1.backlog']) {
    assert.ok(!series.has(k), `no chart of ${k}`);
  }
  // each finding's card links the charts of its evidence
  const card = (id: string) => { const c = html.slice(html.indexOf(`${id}</code>`)); return c.slice(0, c.indexOf('</article>')); };
  assert.match(card('udp.rcvbuf_drops'), /<a href="#chart-\d+">UDP receive-buffer errors/);
  assert.match(card('qdisc.drops'), /<a href="#chart-\d+">drops of pfifo_fast 0: \(parent 8001:1\) on eth0/);
  assert.match(card('softnet.backlog_drops'), /<a href="#chart-\d+">softnet dropped, per CPU/);
  assert.equal(renderHtml(w, j), html, 'the same window gives the same file');
  assert.doesNotMatch(html, /<script|<link|<img|<iframe|@import|url\(|\bsrc=|https?:\/\//i, 'nothing to fetch or run');
});

test('a healthy window: no finding, said so; and a window too short to chart', () => {
  const w = madeWindow({ faults: false });
  const j = judge(w);
  assert.deepEqual(j.findings.filter((f) => f.severity !== 'notice'), []);
  const html = renderHtml(w, { findings: [], checks: j.checks, drops: [] });
  assert.match(html, /No problem found in this window/);
  assert.doesNotMatch(html, /id="findings"/);
  assert.match(html, /Checked and healthy/);
  const short = { ...w, ticks: w.ticks.slice(0, 1) };
  assert.match(renderHtml(short, { findings: [], checks: [], drops: [] }), /Too few samples to chart/);
});

test('every string from the window is escaped in the HTML', () => {
  const w = madeWindow({ comm: HOSTILE, ifname: 'a&b<i>"\'' });
  w.host.hostname = '<img src=x onerror=alert(2)>';
  w.notes.push('</ul><script>alert(3)</script>');
  const html = renderHtml(w, judge(w));
  assert.doesNotMatch(html, /<script|<img|<i>/i);
  assert.match(html, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
  assert.match(html, /a&amp;b&lt;i&gt;&quot;&#39;/);
});

test('the report of a real window in Chromium: findings visible, charts drawn, no error, no request', browserOpts(), async () => {
  const w = parseWindow(readFileSync(FIXTURE, 'utf8'), FIXTURE);
  const j = judge(w);
  const ids = j.findings.map((f) => f.id);
  assert.ok(ids.includes('udp.rcvbuf_drops') && ids.includes('tcp.accept_queue_overflow') && ids.includes('qdisc.drops'), `findings: ${ids.join(', ')}`);
  const html = renderHtml(w, j);
  assert.ok(html.length < 64 * 1024, `the report is small enough to attach: ${html.length} bytes`);
  const tmp = writeTemp(html);
  const browser = await TestBrowser.launch();
  try {
    const p = await browser.load(tmp.file);
    for (const [i, f] of j.findings.entries()) {
      const card = p.page.locator(`#finding-${i + 1}`);
      assert.ok(await card.getByText(f.title, { exact: true }).isVisible(), `the title of ${f.id} is visible: ${f.title}`);
      assert.ok(await card.getByText(f.id, { exact: true }).isVisible(), `${f.id} is named on its card`);
    }
    assert.equal(await p.page.locator('article.finding').count(), j.findings.length);
    // the charts: one per series the findings name, each an SVG with a drawn line
    const expected = [...evidenceSeries(w, j), 'qdisc.lo.', 'softirqs.NET_RX.cpu0', 'link.lo.rx_packets'];
    for (const k of expected) {
      const sel = k.endsWith('.') ? `figure.chart[data-series^="${k}"]` : `figure.chart[data-series~="${k}"]`;
      const fig = p.page.locator(sel).first();
      assert.ok(await fig.isVisible(), `a chart of ${k}`);
      assert.ok(await fig.locator('svg path[d]').count() >= 1, `the chart of ${k} has a line`);
    }
    const figures = await p.page.locator('figure.chart').count();
    assert.equal(await p.page.locator('figure.chart svg').count(), figures, 'every chart is an SVG');
    // a chart drawn has size on the page (the SVG scaled to its box)
    const box = await p.page.locator('figure.chart svg').first().boundingBox();
    assert.ok(box && box.width > 200 && box.height > 60, `chart box ${JSON.stringify(box)}`);
    mkdirSync(`${REPO}test-artifacts`, { recursive: true });
    await p.page.screenshot({ path: `${REPO}test-artifacts/doctor-report.png`, fullPage: true });
    assert.deepEqual(p.errors, [], 'no console or page errors');
    assert.deepEqual(p.refused, [], 'no request but the file itself');
    assert.deepEqual(p.requests, [`file://${tmp.file}`]);
  } finally {
    await browser.close();
    tmp.dispose();
  }
});

test('a comm like <script>alert(1)</script> shows as text in Chromium and runs nothing', browserOpts(), async () => {
  const w = madeWindow({ comm: HOSTILE, ifname: '<b>x</b>' });
  const j = judge(w);
  const tmp = writeTemp(renderHtml(w, j));
  const browser = await TestBrowser.launch();
  try {
    const p = await browser.load(tmp.file);
    assert.ok(await p.page.getByText(HOSTILE).first().isVisible(), 'the comm is visible as text');
    assert.ok(await p.page.getByText('<b>x</b>: packets').first().isVisible(), 'the interface name is visible as text');
    assert.equal(await p.page.locator('script').count(), 0);
    assert.equal(await p.page.locator('b', { hasText: /^x$/ }).count(), 0);
    assert.deepEqual(p.dialogs, [], 'no script ran');
    assert.deepEqual(p.errors, []);
    assert.deepEqual(p.refused, []);
  } finally {
    await browser.close();
    tmp.dispose();
  }
});
