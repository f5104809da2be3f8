// The rules table and the judgement: every rule run on the window, findings ranked (severity,
// then how much), and the list of what was checked and found healthy, or not checked and why.
import { placeFixes } from '../../../core/proc/sysctl.js';
import { FINDING_LAYERS, severityRank, type Finding } from '../../../core/finding.js';
import type { DoctorWindow } from '../window.js';
import type { Rule } from './rule.js';
import { BELOW_RULES } from './below.js';
import { CPU_RULES } from './cpu.js';
import { SOCKET_RULES } from './sockets.js';
import { TCP_RULES } from './tcp.js';
import { WindowView } from './view.js';
import { dropSummary, type DropSummary } from './drops.js';

const layerRank = (l: string) => FINDING_LAYERS.findIndex((x) => x.id === l);

/** Every rule, from the wire up (the order the docs list them). */
export const RULES: readonly Rule[] = [...BELOW_RULES, ...CPU_RULES, ...TCP_RULES, ...SOCKET_RULES]
  .sort((a, b) => layerRank(a.layer) - layerRank(b.layer));

export type CheckStatus = 'ok' | 'found' | 'not_checked';

export interface Check {
  id: string;
  status: CheckStatus;
  /** Why a rule could not judge this window. */
  why?: string;
}

export interface Judgement {
  findings: Finding[];
  checks: Check[];
  /** The kernel's drops in the window by reason, with what each usually means. */
  drops: DropSummary[];
  /** With a focus (--pid, --port): findings about other sockets and processes, in brief. */
  elsewhere?: Array<{ id: string; severity: Finding['severity']; title: string }>;
}

/** How much a finding weighs within its severity: its per-second rate or count, where it has one. */
function weight(f: Finding): number {
  const e = f.evidence;
  const n = (k: string) => (typeof e[k] === 'number' ? (e[k] as number) : 0);
  return n('per_s') || n('overflows_per_s') || n('retrans_share') * 1000 || n('drops') || n('dropped') || 1;
}

/** Judges a window: pure, so a saved window gives the same findings offline. */
export function judge(w: DoctorWindow, rules: readonly Rule[] = RULES): Judgement {
  const v = new WindowView(w);
  const findings: Finding[] = [];
  const checks: Check[] = [];
  for (const r of rules) {
    const missing = r.needs?.(v);
    if (missing) { checks.push({ id: r.id, status: 'not_checked', why: missing }); continue; }
    const got = r.judge(v);
    findings.push(...got);
    checks.push({ id: r.id, status: got.length ? 'found' : 'ok' });
  }
  findings.sort((a, b) => severityRank(a.severity) - severityRank(b.severity) || weight(b) - weight(a));
  // a sysctl that exists in the initial namespace only is set on the host, not in the one judged
  return { findings: placeFixes(findings, w.netns.initial !== false), checks, drops: dropSummary(w) };
}
