// The HTML report (--out FILE): one self-contained file a person opens or attaches to a ticket.
// Inline CSS, charts as inline SVG drawn here, no script, and a Content-Security-Policy that
// forbids every fetch, so it shows the same offline, in a mail client or a ticket viewer. Pure: a
// function of the window and its judgement (no clock, no I/O), like the text report.
import { FINDING_LAYERS, SEVERITIES, type Finding, type Severity } from '../../core/finding.js';
import { formatCpuList } from '../../core/proc/cpus.js';
import type { Judgement } from './rules/index.js';
import { dropLine } from './rules/drops.js';
import { kib } from './rules/view.js';
import type { DoctorWindow, Tick } from './window.js';
import { culpritLine, isFixCommand, netnsText, windowNotes } from './render.js';

/** Text and attribute values: every string from the window (names, comm, addresses) goes through here. */
function esc(s: string | number): string {
  return String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', '\'': '&#39;' }[c]!));
}

// ---- series and charts --------------------------------------------------------------------------

/** A value over [t0, t1]: a per-second rate between two samples, or (t0 = t1) a level at a sample. */
interface Pt { t0: number; t1: number; v: number }

interface Line {
  /** Stable name of the series (a counter's nstat name, "softnet.dropped.cpu1", "link.eth0.rx_packets"). */
  key: string;
  label: string;
  pts: Pt[];
}

interface Chart {
  id: string;
  group: string;
  title: string;
  kind: 'rate' | 'level';
  /** What the y axis counts: "/s" for rates; "bytes" or "packets" for levels. */
  unit: string;
  lines: Line[];
  note?: string;
}

/** Per-second increments of a counter between consecutive samples (0 where it is missing or went back). */
function rates(ticks: readonly Tick[], get: (t: Tick) => number | undefined): Pt[] {
  const out: Pt[] = [];
  for (let i = 1; i < ticks.length; i++) {
    const a = get(ticks[i - 1]!), b = get(ticks[i]!);
    const dt = Math.max(0.001, ticks[i]!.t - ticks[i - 1]!.t);
    out.push({ t0: ticks[i - 1]!.t, t1: ticks[i]!.t, v: a === undefined || b === undefined ? 0 : Math.max(0, b - a) / dt });
  }
  return out;
}

function levels(ticks: readonly Tick[], get: (t: Tick) => number | undefined): Pt[] {
  return ticks.map((t) => ({ t0: t.t, t1: t.t, v: get(t) ?? 0 }));
}

const nonZero = (l: Line) => l.pts.some((p) => p.v > 0);
/** What a line adds up to: the count over the window (rates) or its peak (levels). */
const total = (l: Line, kind: Chart['kind']) => kind === 'rate' ? l.pts.reduce((s, p) => s + p.v * (p.t1 - p.t0), 0) : Math.max(0, ...l.pts.map((p) => p.v));

/** Lines with something in them, the biggest `max` when there are many (per-CPU charts on large hosts). */
function keep(lines: Line[], kind: Chart['kind'], max = 8): { lines: Line[]; note?: string } {
  const nz = lines.filter(nonZero);
  if (nz.length <= max) return { lines: nz };
  const top = [...nz].sort((a, b) => total(b, kind) - total(a, kind)).slice(0, max);
  return { lines: nz.filter((l) => top.includes(l)), note: `the ${max} largest of ${nz.length} shown` };
}

const CPU_COLS = ['dropped', 'time_squeeze', 'flow_limit_count'] as const;

/** Series keys a finding points at: the counters its evidence names, and the charts of its kind. */
function findingKeys(f: Finding, counters: ReadonlySet<string>): { exact: Set<string>; prefixes: string[] } {
  const exact = new Set(Object.keys(f.evidence).filter((k) => counters.has(k)));
  const prefixes: string[] = [];
  const byId: Record<string, string> = {
    'softnet.backlog_drops': 'softnet.dropped.', 'softnet.squeeze': 'softnet.time_squeeze.',
    'softnet.flow_limit': 'softnet.flow_limit_count.', 'softirq.imbalance': 'softirqs.NET_RX.',
  };
  if (byId[f.id]) prefixes.push(byId[f.id]!);
  const ifname = f.culprit?.ifname;
  if (ifname && f.id.startsWith('qdisc.')) {
    // culprit.setting is "qdisc KIND HANDLE": the chart of that qdisc, else all of the interface's
    const handle = /^qdisc \S+ (\S+)$/.exec(f.culprit?.setting ?? '')?.[1];
    prefixes.push(`qdisc.${ifname}.${handle ? `${handle}.` : ''}`);
  } else if (ifname) {
    prefixes.push(`link.${ifname}.`);
  }
  return { exact, prefixes };
}

function points(c: Chart, keys: { exact: Set<string>; prefixes: string[] }): boolean {
  return c.lines.some((l) => keys.exact.has(l.key) || keys.prefixes.some((p) => l.key.startsWith(p)));
}

/** Says under a group's last chart how many of its kind were left out. */
function noteLeft(charts: Chart[], group: string, left: number, what: string): void {
  const lastOne = [...charts].reverse().find((c) => c.group === group);
  if (left > 0 && lastOne) lastOne.note = [lastOne.note, `${left} ${what}`].filter(Boolean).join('; ');
}

const MAX_IFACES = 8;
const MAX_QDISCS = 8;

/**
 * The charts worth drawing for a window: each counter the rules watch, per CPU, interface and
 * qdisc, when it moved; and every counter a finding's evidence names.
 */
function buildCharts(w: DoctorWindow, findings: readonly Finding[]): Chart[] {
  const ticks = w.ticks;
  if (ticks.length < 2) return [];
  const last = ticks[ticks.length - 1]!;
  const counters = new Set(Object.keys(last.counters));
  const charts: Chart[] = [];
  const add = (group: string, title: string, kind: Chart['kind'], unit: string, lines: Line[]) => {
    const k = keep(lines, kind);
    if (!k.lines.length) return;
    charts.push({ id: `chart-${charts.length + 1}`, group, title, kind, unit, lines: k.lines, ...(k.note ? { note: k.note } : {}) });
  };
  const counter = (name: string, label = name): Line => ({ key: name, label, pts: rates(ticks, (t) => t.counters[name]) });
  const named = new Set<string>(); // counters that have a chart of their own

  const watched: Array<[string, string, string[]]> = [
    ['TCP', 'TCP segments sent', ['TcpOutSegs']],
    ['TCP', 'TCP segments retransmitted', ['TcpRetransSegs']],
    ['TCP', 'listen queue overflows and drops', ['TcpExtListenOverflows', 'TcpExtListenDrops']],
    ['TCP', 'SYN queue full: drops and cookies', ['TcpExtTCPReqQFullDrop', 'TcpExtTCPReqQFullDoCookies']],
    ['UDP', 'UDP receive-buffer errors (datagrams dropped)', ['UdpRcvbufErrors', 'Udp6RcvbufErrors']],
  ];
  for (const [group, title, names] of watched) {
    add(group, title, 'rate', '/s', names.filter((n) => counters.has(n)).map((n) => counter(n)));
    names.forEach((n) => named.add(n));
  }

  // Per CPU (host-wide): softnet columns and NET_RX softirqs.
  const cpus = last.softnet.map((r) => r.cpu);
  for (const col of CPU_COLS) {
    add('CPUs', `softnet ${col}, per CPU`, 'rate', '/s', cpus.map((cpu) => ({
      key: `softnet.${col}.cpu${cpu}`, label: `CPU${cpu}`, pts: rates(ticks, (t) => t.softnet.find((r) => r.cpu === cpu)?.[col]),
    })));
  }
  add('CPUs', 'NET_RX softirqs, per CPU', 'rate', '/s', last.softirqs.cpus.map((cpu) => ({
    key: `softirqs.NET_RX.cpu${cpu}`, label: `CPU${cpu}`,
    pts: rates(ticks, (t) => { const i = t.softirqs.cpus.indexOf(cpu); return i < 0 ? undefined : t.softirqs.net_rx[i]; }),
  })));

  // Interfaces: the busiest few, and every one a finding names, whatever their rank.
  const namedIfs = new Set(findings.map((f) => f.culprit?.ifname).filter((x): x is string => !!x));
  const first = new Map(ticks[0]!.links.map((l) => [l.ifindex, l]));
  const moved = (ifindex: number, stat: string) => Math.max(0, (last.links.find((l) => l.ifindex === ifindex)?.stats[stat] ?? 0) - (first.get(ifindex)?.stats[stat] ?? 0));
  const byTraffic = [...last.links].sort((a, b) => moved(b.ifindex, 'rx_packets') + moved(b.ifindex, 'tx_packets') - moved(a.ifindex, 'rx_packets') - moved(a.ifindex, 'tx_packets'));
  const shownIfs = byTraffic.filter((l, i) => i < MAX_IFACES || namedIfs.has(l.name));
  for (const l of shownIfs) {
    const stat = (s: string) => rates(ticks, (t) => t.links.find((x) => x.ifindex === l.ifindex)?.stats[s]);
    add('Interfaces', `${l.name}: packets`, 'rate', '/s', ['rx_packets', 'tx_packets'].map((s) => ({ key: `link.${l.name}.${s}`, label: s.replace('_packets', ''), pts: stat(s) })));
    const errs = Object.keys(l.stats).filter((s) => /errors|dropped/.test(s)).sort();
    add('Interfaces', `${l.name}: errors and drops`, 'rate', '/s', errs.map((s) => ({ key: `link.${l.name}.${s}`, label: s, pts: stat(s) })));
  }
  noteLeft(charts, 'Interfaces', byTraffic.length - shownIfs.length, 'quieter interface(s) not charted');

  // Qdiscs: drops and the bytes queued, of the qdiscs that dropped or held most (an mq device
  // has one child per queue), and of every interface a finding names.
  const ifname = (ifindex: number) => last.links.find((l) => l.ifindex === ifindex)?.name ?? `if${ifindex}`;
  const qs = last.qdiscs.map((q) => {
    const same = (t: Tick) => t.qdiscs.find((x) => x.ifindex === q.ifindex && x.handle === q.handle && x.parent === q.parent);
    const drops = rates(ticks, (t) => same(t)?.drops);
    const backlog = levels(ticks, (t) => same(t)?.backlog);
    return { q, drops, backlog, dropped: drops.reduce((s, p) => s + p.v, 0), held: Math.max(0, ...backlog.map((p) => p.v)) };
  }).filter((x) => x.dropped > 0 || x.held > 0).sort((a, b) => b.dropped - a.dropped || b.held - a.held);
  const shownQs = qs.filter((x, i) => i < MAX_QDISCS || namedIfs.has(ifname(x.q.ifindex)));
  for (const { q, drops, backlog } of shownQs) {
    // children of mq share handle 0: and differ by parent
    const twin = last.qdiscs.some((x) => x !== q && x.ifindex === q.ifindex && x.handle === q.handle);
    const key = `qdisc.${ifname(q.ifindex)}.${q.handle}${twin ? `.${q.parent}` : ''}`;
    const name = `${q.kind} ${q.handle}${twin ? ` (parent ${q.parent})` : ''} on ${ifname(q.ifindex)}`;
    add('Queueing disciplines', `drops of ${name}`, 'rate', '/s', [{ key: `${key}.drops`, label: 'drops', pts: drops }]);
    add('Queueing disciplines', `backlog of ${name}`, 'level', 'bytes', [{ key: `${key}.backlog`, label: 'bytes queued', pts: backlog }]);
  }
  noteLeft(charts, 'Queueing disciplines', qs.length - shownQs.length, 'more qdisc(s) that dropped or queued not charted');

  // Counters the findings name as evidence that no chart above shows.
  for (const f of findings) {
    for (const k of Object.keys(f.evidence)) {
      if (!counters.has(k) || named.has(k)) continue;
      named.add(k);
      add('Counters the findings name', k, 'rate', '/s', [counter(k)]);
    }
  }
  return charts;
}

// ---- SVG ----------------------------------------------------------------------------------------

const COLORS = ['#2563eb', '#dc2626', '#059669', '#d97706', '#7c3aed', '#db2777', '#0891b2', '#65a30d'];
const W = 320, H = 132, ML = 46, MR = 10, MT = 8, MB = 24;
const PW = W - ML - MR, PH = H - MT - MB;
/** Points per line at most: a long window is drawn as the peaks of buckets of samples. */
const MAX_PTS = 240;

/** 1, 2, 2.5, 5 × 10^n at or above x. */
function niceMax(x: number): number {
  if (!(x > 0)) return 1;
  const e = 10 ** Math.floor(Math.log10(x));
  const f = x / e;
  return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 2.5 ? 2.5 : f <= 5 ? 5 : 10) * e;
}

/** Axis and legend numbers: 0.25, 12, 1.5k, 3M. */
function num(x: number): string {
  const a = Math.abs(x);
  if (a >= 1e9) return `${+(x / 1e9).toFixed(1)}G`;
  if (a >= 1e6) return `${+(x / 1e6).toFixed(1)}M`;
  if (a >= 1e4) return `${Math.round(x / 1e3)}k`;
  if (a >= 1e3) return `${+(x / 1e3).toFixed(1)}k`;
  if (a >= 10 || Number.isInteger(x)) return String(Math.round(x));
  return String(+x.toFixed(2));
}

const fmt = (x: number, unit: string) => unit === 'bytes' ? kib(Math.round(x)) : num(x);

function downsample(pts: Pt[]): { pts: Pt[]; bucket: number } {
  if (pts.length <= MAX_PTS) return { pts, bucket: 1 };
  const k = Math.ceil(pts.length / MAX_PTS);
  const out: Pt[] = [];
  for (let i = 0; i < pts.length; i += k) {
    const b = pts.slice(i, i + k);
    out.push({ t0: b[0]!.t0, t1: b[b.length - 1]!.t1, v: Math.max(...b.map((p) => p.v)) }); // peaks stay visible
  }
  return { pts: out, bucket: k };
}

const r1 = (x: number) => Math.round(x * 10) / 10;

function svgChart(c: Chart, t0: number, t1: number): { svg: string; bucket: number } {
  const span = Math.max(0.001, t1 - t0);
  const ymax = niceMax(Math.max(0, ...c.lines.flatMap((l) => l.pts.map((p) => p.v))));
  const x = (t: number) => r1(ML + ((t - t0) / span) * PW);
  const y = (v: number) => r1(MT + PH - (v / ymax) * PH);
  let bucket = 1;
  const paths = c.lines.map((l, i) => {
    const d = downsample(l.pts);
    bucket = Math.max(bucket, d.bucket);
    let path = '';
    if (c.kind === 'rate') {
      // a rate holds over the interval between two samples: a step line
      d.pts.forEach((p, j) => { path += `${j === 0 ? `M${x(p.t0)} ${y(p.v)}` : `V${y(p.v)}`}H${x(p.t1)}`; });
    } else {
      d.pts.forEach((p, j) => { path += `${j === 0 ? 'M' : 'L'}${x(p.t1)} ${y(p.v)}`; });
    }
    // each line a little thinner than the one before: a line hidden under another still shows as its edge
    return `<path d="${path}" stroke="${COLORS[i % COLORS.length]}" stroke-width="${Math.max(1.2, 2.6 - 0.4 * i)}"><title>${esc(l.label)}</title></path>`;
  });
  const grid = [0, ymax / 2, ymax].map((v) =>
    `<line class="g" x1="${ML}" x2="${W - MR}" y1="${y(v)}" y2="${y(v)}"/><text class="yl" x="${ML - 4}" y="${y(v) + 3}">${esc(fmt(v, c.unit))}</text>`).join('');
  const xt = [t0, t0 + span / 2, t1].map((t, i) =>
    `<text class="xl" x="${x(t)}" y="${H - 8}" text-anchor="${['start', 'middle', 'end'][i]}">${esc(num(r1(t - t0)))}${i === 2 ? ' s' : ''}</text>`).join('');
  const svg = `<svg viewBox="0 0 ${W} ${H}" role="img" aria-label="${esc(c.title)}">${grid}`
    + `<line class="ax" x1="${ML}" x2="${ML}" y1="${MT}" y2="${MT + PH}"/><line class="ax" x1="${ML}" x2="${W - MR}" y1="${MT + PH}" y2="${MT + PH}"/>`
    + `${xt}<g class="ln">${paths.join('')}</g></svg>`;
  return { svg, bucket };
}

function renderChart(c: Chart, t0: number, t1: number, pointedBy: Finding[]): string {
  const { svg, bucket } = svgChart(c, t0, t1);
  const what = c.kind === 'rate' ? 'per second' : c.unit;
  const legend = c.lines.map((l, i) => {
    const stat = c.kind === 'rate' ? `total ${num(Math.round(total(l, 'rate')))}, peak ${num(Math.max(...l.pts.map((p) => p.v)))}/s`
      : `peak ${fmt(total(l, 'level'), c.unit)}`;
    return `<li><i style="background:${COLORS[i % COLORS.length]}"></i>${esc(l.label)} <span>${esc(stat)}</span></li>`;
  }).join('');
  const worst = pointedBy.length ? pointedBy.map((f) => f.severity).sort((a, b) => SEVERITIES.indexOf(a) - SEVERITIES.indexOf(b))[0] : undefined;
  const notes = [
    ...(bucket > 1 ? [`peaks of every ${bucket} samples`] : []),
    ...(c.note ? [c.note] : []),
  ];
  return `<figure class="chart${worst ? ` hit ${worst}` : ''}" id="${c.id}" data-series="${esc(c.lines.map((l) => l.key).join(' '))}">`
    + `<figcaption><small>${esc(c.group)}</small><b>${esc(c.title)}</b> <span>${esc(what)}</span></figcaption>${svg}<ul class="lg">${legend}</ul>`
    + (pointedBy.length ? `<p class="by">evidence of ${[...new Set(pointedBy.map((f) => f.id))].map((id) => `<code>${esc(id)}</code>`).join(', ')}</p>` : '')
    + (notes.length ? `<p class="cn">${esc(notes.join('; '))}</p>` : '')
    + '</figure>';
}

// ---- the page -----------------------------------------------------------------------------------

const layerTitle = (id: string) => FINDING_LAYERS.find((l) => l.id === id)?.title ?? id;

function renderFinding(f: Finding, rank: number, charts: Chart[], counters: ReadonlySet<string>): string {
  const keys = findingKeys(f, counters);
  const mine = charts.filter((c) => points(c, keys));
  const fix = f.fix.map((x) => isFixCommand(x) ? `<pre>${esc(x)}</pre>` : `<p>${esc(x)}</p>`).join('');
  const evidence = Object.entries(f.evidence).map(([k, v]) => `<dt>${esc(k)}</dt><dd>${esc(typeof v === 'number' ? String(v) : v)}</dd>`).join('');
  return `<article class="finding ${f.severity}" id="finding-${rank}">`
    + `<h3><span class="sev">${f.severity}</span> <span class="title">${esc(f.title)}</span></h3>`
    + `<p class="meta">#${rank} · <code>${esc(f.id)}</code> · ${esc(layerTitle(f.layer))}</p>`
    + (f.culprit ? `<p><b>Culprit</b> ${esc(culpritLine(f.culprit))}</p>` : '')
    + `<ul class="proof">${f.proof.map((p) => `<li>${esc(p)}</li>`).join('')}</ul>`
    + `<p class="why"><b>Why</b> ${esc(f.why)}</p>`
    + (fix ? `<div class="fix"><b>Fix</b>${fix}</div>` : '')
    + (mine.length ? `<p class="charts"><b>Charts</b> ${mine.map((c) => `<a href="#${c.id}">${esc(c.title)}</a>`).join(' · ')}</p>` : '')
    + (evidence ? `<details><summary>Evidence</summary><dl>${evidence}</dl></details>` : '')
    + '</article>';
}

const CSS = `
:root{--c:#b91c1c;--w:#b45309;--n:#0369a1;--mut:#5b6470;--bd:#d9dde3;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;color:#16191d;background:#f6f7f9}
body{max-width:1180px;margin:0 auto;padding:16px 20px 40px}
h1{font-size:22px;margin:4px 0 8px}h2{font-size:17px;margin:28px 0 10px;border-bottom:1px solid var(--bd);padding-bottom:4px}h3{font-size:15px;margin:0 0 4px}
code,pre,dt{font:12.5px/1.4 ui-monospace,"DejaVu Sans Mono",Menlo,Consolas,monospace}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:2px 14px;margin:0}dl.facts dt{color:var(--mut);font:inherit}dl.facts dd{margin:0}
.summary{font-size:15px;margin:14px 0}.badge{display:inline-block;border-radius:10px;padding:1px 9px;margin-right:6px;color:#fff;font-weight:600}
.badge.critical,.finding.critical .sev{background:var(--c)}.badge.warning,.finding.warning .sev{background:var(--w)}.badge.notice,.finding.notice .sev{background:var(--n)}.badge.ok{background:#15803d}
.finding{background:#fff;border:1px solid var(--bd);border-left:6px solid var(--n);border-radius:6px;padding:12px 16px;margin:12px 0;break-inside:avoid}
.finding.critical{border-left-color:var(--c)}.finding.warning{border-left-color:var(--w)}
.sev{color:#fff;border-radius:4px;padding:1px 6px;font-size:11px;text-transform:uppercase;letter-spacing:.04em;vertical-align:2px}
.meta{color:var(--mut);margin:0 0 8px}.finding p{margin:6px 0}.proof{margin:6px 0;padding-left:20px}.why{color:#33383f}
.fix pre{background:#0f172a;color:#e2e8f0;padding:7px 10px;border-radius:4px;margin:5px 0;white-space:pre-wrap;word-break:break-all;user-select:all}
.fix p{margin:5px 0}.charts a{color:#1d4ed8}
details{margin-top:6px}summary{cursor:pointer;color:var(--mut)}details dl{display:grid;grid-template-columns:max-content 1fr;gap:1px 12px;margin:6px 0}details dd{margin:0}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(300px,1fr));gap:12px}
.chart{background:#fff;border:1px solid var(--bd);border-radius:6px;margin:0;padding:8px 10px;break-inside:avoid}
.chart.hit{border-width:2px}.chart.critical{border-color:var(--c)}.chart.warning{border-color:var(--w)}.chart.notice{border-color:var(--n)}
figcaption{font-size:13px}figcaption small{display:block;color:var(--mut);font-size:10.5px;text-transform:uppercase;letter-spacing:.05em}figcaption span{color:var(--mut)}svg{display:block;width:100%;height:auto}
svg .g{stroke:#eceef1}svg .ax{stroke:#9aa1ab}svg text{font:10px system-ui,"DejaVu Sans",sans-serif;fill:#5b6470}svg .yl{text-anchor:end}
svg .ln path{fill:none;stroke-linejoin:round}
.lg{list-style:none;margin:2px 0 0;padding:0;font-size:12px}.lg li{display:inline-block;margin-right:10px}.lg i{display:inline-block;width:10px;height:3px;margin:0 4px 3px 0;vertical-align:middle}.lg span{color:var(--mut)}
.by,.cn{font-size:12px;color:var(--mut);margin:2px 0 0}
ul.ids{padding-left:20px}.ok-list code{display:inline-block;margin:0 8px 3px 0}
@media print{body{background:#fff}.finding,.chart{box-shadow:none}}
`;

/** The report as one HTML document (see the file comment). */
export function renderHtml(w: DoctorWindow, j: Judgement): string {
  const counters = new Set(Object.keys(w.ticks[w.ticks.length - 1]?.counters ?? {}));
  const charts = buildCharts(w, j.findings);
  const t0 = w.ticks[0]?.t ?? 0, t1 = w.ticks[w.ticks.length - 1]?.t ?? 0;
  const count = (s: Severity) => j.findings.filter((f) => f.severity === s).length;
  const started = w.started.replace('T', ' ').replace(/\.\d+Z$|Z$/, '') + ' UTC';
  const focus = [w.focus.port !== undefined ? `port ${w.focus.port}` : '', w.focus.pid !== undefined ? `pid ${w.focus.pid}` : ''].filter(Boolean).join(', ');
  const facts: Array<[string, string]> = [
    ['Host', w.host.hostname],
    ['Kernel', `Linux ${w.host.kernel}`],
    ['CPUs', `${w.host.cpus.length} (${formatCpuList(w.host.cpus)})`],
    ['Window', `${w.duration_s.toFixed(1)} s from ${started}, ${w.ticks.length} samples${w.quick ? ' (quick)' : ''}`],
    ['Namespace', netnsText(w)],
    ['Focus', focus || 'none: the whole namespace'],
    ['BPF probes', w.probes.ran ? `ran (${w.probes.via ?? 'yes'})` : `did not run: ${w.probes.why_not ?? 'unknown'}`],
  ];
  const out: string[] = [];
  out.push('<!doctype html><html lang="en"><head><meta charset="utf-8">',
    // no fetch of any kind and no script: the file shows the same wherever it is opened
    '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; style-src \'unsafe-inline\'">',
    '<meta name="viewport" content="width=device-width,initial-scale=1">',
    `<title>netdx doctor: ${esc(w.host.hostname)}, ${esc(started)}</title><style>${CSS.trim()}</style></head><body>`);
  out.push(`<header><h1>netdx doctor — ${esc(w.host.hostname)}</h1><dl class="facts">${facts.map(([k, v]) => `<dt>${k}</dt><dd>${esc(v)}</dd>`).join('')}</dl></header>`);
  out.push(`<p class="summary">${j.findings.length
    ? `<b>${j.findings.length} finding${j.findings.length === 1 ? '' : 's'}</b>: ${SEVERITIES.map((s) => `<span class="badge ${s}">${count(s)} ${s}</span>`).join('')} most important first.`
    : '<span class="badge ok">healthy</span> <b>No problem found in this window.</b>'}</p>`);
  if (j.findings.length) {
    out.push('<section id="findings"><h2>Findings</h2>', ...j.findings.map((f, i) => renderFinding(f, i + 1, charts, counters)), '</section>');
  }
  if (j.elsewhere?.length) {
    out.push('<section id="elsewhere"><h2>Also seen, about other sockets or processes (not the focus)</h2><ul class="ids">',
      ...j.elsewhere.map((e) => `<li><span class="badge ${e.severity}">${e.severity}</span>${esc(e.title)} <code>${esc(e.id)}</code></li>`), '</ul></section>');
  }
  if (j.drops.length) {
    out.push('<section id="drops"><h2>Kernel drops in this window, by reason</h2><table><tr><th>reason</th><th>count</th><th>where</th><th>what it means</th></tr>',
      ...j.drops.map((d) => `<tr><td><code>${esc(d.reason)}</code></td><td>${d.count}</td><td>${esc(dropLine(d).replace(/^\S+ x\d+ at /, ''))}</td><td>${esc(d.fix ?? '')}</td></tr>`),
      '</table></section>');
  }
  out.push(`<section id="rates"><h2>Rates over the window</h2>`);
  if (!charts.length) {
    out.push(`<p>${w.ticks.length < 2 ? 'Too few samples to chart.' : 'No watched counter moved in this window.'}</p>`);
  } else {
    out.push('<p class="cn">Per-second rates between samples (and levels at each sample); a chart is drawn only when it has something, '
      + 'with a coloured border when a finding names what it shows.</p>');
    // one grid, in the order of the groups (each chart names its group): no half-empty rows
    out.push('<div class="grid">');
    for (const c of charts) out.push(renderChart(c, t0, t1, j.findings.filter((f) => points(c, findingKeys(f, counters)))));
    out.push('</div>');
  }
  out.push('</section><section id="checks"><h2>Checks</h2>');
  const ok = j.checks.filter((c) => c.status === 'ok');
  const not = j.checks.filter((c) => c.status === 'not_checked');
  out.push(`<p class="ok-list"><b>Checked and healthy</b><br>${ok.length ? ok.map((c) => `<code>${esc(c.id)}</code>`).join('') : 'none'}</p>`);
  if (not.length) out.push(`<p><b>Not checked</b></p><ul class="ids">${not.map((c) => `<li><code>${esc(c.id)}</code>: ${esc(c.why ?? '')}</li>`).join('')}</ul>`);
  const notes = windowNotes(w);
  if (notes.length) out.push(`<p><b>Notes</b></p><ul class="ids">${notes.map((n) => `<li>${esc(n)}</li>`).join('')}</ul>`);
  out.push('</section></body></html>\n');
  return out.join('\n');
}
