// What a rule is, as data: its id, the layer where the cause lies, what it reads, its thresholds,
// why the thing matters and how it is fixed in general; and a pure judge from a window to the
// findings with this window's culprits, numbers and exact fixes. The docs page lists every rule
// from this table (doctor.md; a test holds the two equal).
import type { Finding, FindingLayer, Severity } from '../../../core/finding.js';
import type { WindowView } from './view.js';

export interface Rule {
  id: string;
  layer: FindingLayer;
  /** What the finding says, in general (the judge's title names this window's culprit). */
  title: string;
  /** Counters and sources it reads: nstat names, sock_diag fields, BPF aggregates, sysctls. */
  reads: readonly string[];
  thresholds: Readonly<Record<string, number>>;
  why: string;
  /** The fix in general (the judge's fix has the current values and names). */
  fix: readonly string[];
  /** Whether the window has what the rule needs (else the check is "not checked", with why). */
  needs?(v: WindowView): string | undefined;
  judge(v: WindowView): Finding[];
}

/** A finding of `rule`, with the rule's id, layer and (unless given) why. */
export function finding(rule: Rule, f: Omit<Finding, 'id' | 'layer' | 'why'> & { why?: string; severity: Severity }): Finding {
  return { id: rule.id, layer: rule.layer, why: f.why ?? rule.why, ...f };
}

/** A rule whose judge needs the BPF bundle's aggregates. */
export function needsBpf(v: WindowView): string | undefined {
  return v.w.probes.ran ? undefined : `needs the BPF probes: ${v.w.probes.why_not ?? 'they did not run'}`;
}
