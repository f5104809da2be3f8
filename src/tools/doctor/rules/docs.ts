// The docs page's table of findings, made from the rules table itself: docs/tools/doctor.md holds
// it between two markers, and a test holds the page equal to this (regenerate with
// `node dist/tools/doctor/rules/docs.js --write`).
import { readFileSync, writeFileSync } from 'node:fs';
import { FINDING_LAYERS } from '../../../core/finding.js';
import { RULES } from './index.js';

export const START = '<!-- findings: generated from src/tools/doctor/rules (node dist/tools/doctor/rules/docs.js --write) -->';
export const END = '<!-- findings: end -->';

const cell = (s: string) => s.replace(/\|/g, '\\|');

/** The markdown between the markers: per layer, each rule's id, what it finds, what it reads, and its thresholds. */
export function findingsTable(): string {
  const out: string[] = [];
  for (const layer of FINDING_LAYERS) {
    const rules = RULES.filter((r) => r.layer === layer.id);
    if (!rules.length) continue;
    out.push(`**${layer.title}**`, '', '| id | finds | reads | thresholds |', '|---|---|---|---|');
    for (const r of rules) {
      const th = Object.entries(r.thresholds).map(([k, v]) => `${k} ${v}`).join(', ') || '(scaling\'s)';
      out.push(`| \`${r.id}\` | ${cell(r.title)} | ${cell(r.reads.join('; '))} | ${cell(th)} |`);
    }
    out.push('');
  }
  return out.join('\n');
}

export function docsSection(page: string): string | undefined {
  const a = page.indexOf(START);
  const b = page.indexOf(END);
  return a < 0 || b < a ? undefined : page.slice(a + START.length, b).trim();
}

if (process.argv[1]?.endsWith('rules/docs.js') && process.argv.includes('--write')) {
  const path = new URL('../../../../docs/tools/doctor.md', import.meta.url).pathname;
  const page = readFileSync(path, 'utf8');
  const a = page.indexOf(START), b = page.indexOf(END);
  if (a < 0 || b < a) throw new Error(`${path}: no markers`);
  writeFileSync(path, `${page.slice(0, a + START.length)}\n${findingsTable()}\n${page.slice(b)}`);
}
