// The doctor's report as text (100 columns, colour only on a TTY) and as JSON.
import { FINDING_LAYERS, isFixCommand, type Culprit, type Finding } from '../../core/finding.js';
import { commandLines, wrapWords } from '../../core/output.js';
import type { Check, Judgement } from './rules/index.js';
import type { DoctorWindow } from './window.js';
import { hostPort } from './rules/view.js';
import { dropLine } from './rules/drops.js';

const WIDTH = 100;

interface Style { bold(s: string): string; sev(s: Finding['severity'], text: string): string; dim(s: string): string }
const PLAIN: Style = { bold: (s) => s, sev: (_s, t) => t, dim: (s) => s };
const TTY: Style = {
  bold: (s) => `\x1b[1m${s}\x1b[0m`,
  sev: (s, t) => `\x1b[${s === 'critical' ? '1;31' : s === 'warning' ? '1;33' : '36'}m${t}\x1b[0m`,
  dim: (s) => `\x1b[2m${s}\x1b[0m`,
};

/** Words of `text` in lines of at most `width`, the first after `first`, the rest after `indent`. */
export const wrap = wrapWords;

export function culpritLine(c: Culprit): string {
  const parts: string[] = [];
  if (c.proto || c.lport !== undefined) {
    const local = c.laddr !== undefined && c.lport !== undefined ? hostPort(c.laddr, c.lport) : c.lport !== undefined ? `port ${c.lport}` : '';
    parts.push([c.proto, c.family ? `IPv${c.family}` : '', local].filter(Boolean).join(' '));
    if (c.raddr && c.rport) parts.push(`peer ${hostPort(c.raddr, c.rport)}`);
  }
  if (c.pid) parts.push(`pid ${c.pid}${c.comm ? ` (${c.comm})` : ''}`);
  if (c.ifname) parts.push(`interface ${c.ifname}`);
  if (c.cpu !== undefined) parts.push(`CPU ${c.cpu}`);
  if (c.netns) parts.push(`netns ${c.netns}`);
  if (c.setting) parts.push(`limit: ${c.setting}`);
  return parts.join(', ');
}

export { isFixCommand };

/** The judged namespace, in words. */
export function netnsText(w: DoctorWindow): string {
  return w.netns.name ?? (w.netns.own ? 'the host\'s network namespace' : `net:[${w.netns.inode}]`);
}

/** What the window says about itself: what could not be sampled, the probes' notes and losses. */
export function windowNotes(w: DoctorWindow): string[] {
  const lost = w.probes.lost;
  return [...w.notes, ...w.probes.notes,
    ...(lost.full + lost.refused + lost.untracked
      ? [`the probes lost ${lost.full + lost.refused} events and could not follow ${lost.untracked} sockets (their tables were full)`] : []),
    ...(w.probes.skipped ? [`the kernel skipped ${w.probes.skipped} runs of the probes (each already running on that CPU): their events are missing`] : [])];
}

const SEV_LABEL: Record<Finding['severity'], string> = { critical: 'CRITICAL', warning: 'WARNING ', notice: 'NOTICE  ' };

function renderFinding(f: Finding, st: Style): string[] {
  const out = wrap(f.title, WIDTH, `${st.sev(f.severity, SEV_LABEL[f.severity])}  `, '          ');
  out[0] = out[0]!;
  out.push(`          ${st.dim(f.id)}`);
  if (f.culprit) out.push(...wrap(culpritLine(f.culprit), WIDTH, '  culprit  ', '           '));
  f.proof.forEach((p, i) => out.push(...wrap(p, WIDTH, i === 0 ? '  proof    ' : '           ', '             ')));
  out.push(...wrap(f.why, WIDTH, '  why      ', '           '));
  f.fix.forEach((x, i) => {
    const lead = i === 0 ? '  fix      ' : '           ';
    if (!isFixCommand(x)) { out.push(...wrap(x, WIDTH, lead, '           ')); return; }
    out.push(...commandLines(x, WIDTH, `${lead}$ `, '             '));
  });
  return out;
}

function header(w: DoctorWindow, st: Style): string[] {
  const what = [`${w.ticks.length} samples of counters, interfaces, qdiscs and sockets`,
    w.probes.ran ? `BPF probes (${w.probes.via})` : `no BPF probes (${w.probes.why_not})`];
  return [
    st.bold(`netdx doctor — ${w.host.hostname}, Linux ${w.host.kernel}, ${w.host.cpus.length} CPUs`),
    ...wrap(`window ${w.duration_s.toFixed(1)} s from ${w.started.slice(11, 19)} UTC in ${netnsText(w)}`
      + `${w.focus.port !== undefined ? `, focus port ${w.focus.port}` : ''}${w.focus.pid !== undefined ? `, focus pid ${w.focus.pid}` : ''}: ${what.join('; ')}`, WIDTH, '', '  '),
  ];
}

/** The report for a person. */
export function renderText(w: DoctorWindow, j: Judgement, opts: { color?: boolean } = {}): string {
  const st = opts.color ? TTY : PLAIN;
  const out = header(w, st);
  out.push('');
  const count = (s: Finding['severity']) => j.findings.filter((f) => f.severity === s).length;
  if (!j.findings.length) {
    out.push(st.bold('No problem found in this window.'));
  } else {
    out.push(st.bold(`${j.findings.length} finding(s): ${count('critical')} critical, ${count('warning')} warning, ${count('notice')} notice. Most important first:`));
    j.findings.forEach((f, i) => out.push(...wrap(f.title, WIDTH, `${String(i + 1).padStart(2)}. ${st.sev(f.severity, f.severity.padEnd(8))} `, '               ')));
    for (const layer of FINDING_LAYERS) {
      const fs = j.findings.filter((f) => f.layer === layer.id);
      if (!fs.length) continue;
      out.push('', st.bold(`── ${layer.title} ${'─'.repeat(Math.max(0, WIDTH - layer.title.length - 4))}`));
      for (const f of fs) out.push('', ...renderFinding(f, st));
    }
  }
  if (j.elsewhere?.length) {
    out.push('', st.bold('Also seen, about other sockets or processes (not the focus):'));
    for (const e of j.elsewhere) out.push(...wrap(e.title, WIDTH, `  ${e.severity.padEnd(8)} `, '           '));
  }
  if (j.drops.length) {
    out.push('', st.bold('Kernel drops in this window, by reason (skb:kfree_skb):'));
    for (const d of j.drops) {
      out.push(...wrap(dropLine(d), WIDTH, '  ', '    '));
      if (d.fix) out.push(...wrap(d.fix, WIDTH, '    → ', '      '));
    }
  }
  out.push('');
  const ok = j.checks.filter((c) => c.status === 'ok').map((c) => c.id);
  if (ok.length) out.push(...wrap(ok.join(', '), WIDTH, 'Checked and healthy: ', '  '));
  const not = j.checks.filter((c) => c.status === 'not_checked');
  for (const c of not) out.push(...wrap(`${c.id}: ${c.why}`, WIDTH, 'Not checked: ', '  '));
  for (const n of windowNotes(w)) out.push(...wrap(n, WIDTH, 'Note: ', '  '));
  return out.join('\n') + '\n';
}

/** The report for a program: {"window_s", "netns", "findings", "checks", ...}. */
export function renderJson(w: DoctorWindow, j: Judgement): string {
  return JSON.stringify({
    window_s: w.duration_s,
    netns: w.netns.name ?? (w.netns.own ? null : `net:[${w.netns.inode}]`),
    host: w.host.hostname,
    kernel: w.host.kernel,
    started: w.started,
    focus: w.focus,
    probes: w.probes.ran ? { ran: true, via: w.probes.via } : { ran: false, why: w.probes.why_not },
    findings: j.findings.map((f) => ({ id: f.id, severity: f.severity, layer: f.layer, title: f.title, culprit: f.culprit ?? {}, evidence: f.evidence, proof: f.proof, why: f.why, fix: f.fix })),
    checks: j.checks.map((c: Check) => ({ id: c.id, status: c.status, ...(c.why ? { why: c.why } : {}) })),
    drops: j.drops,
  }) + '\n';
}

/** The exit status scripts can use: 0 nothing above a notice, 3 a warning, 4 a critical finding. */
export function exitStatus(j: Judgement): number {
  if (j.findings.some((f) => f.severity === 'critical')) return 4;
  if (j.findings.some((f) => f.severity === 'warning')) return 3;
  return 0;
}
