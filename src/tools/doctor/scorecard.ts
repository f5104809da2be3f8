// npm run scenarios: every scenario of scenarios.ts, one doctor window each, and the scorecard:
// expected against found, its rank, whether the culprit was right, how soon it was detected; then
// precision, recall and the false alarms on the healthy baseline. --save DIR keeps each window
// (with what was expected of it) as a fixture the rules are tested on without root.
//   node dist/tools/doctor/scorecard.js [--seconds S] [--only REGEX] [--save DIR]
import { mkdirSync, writeFileSync } from 'node:fs';
import { SCENARIOS, runScenario, type ScenarioResult } from './scenarios.js';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const seconds = Number(arg('--seconds') ?? 3);
const only = arg('--only') ? new RegExp(arg('--only')!) : undefined;
const save = arg('--save');

const results: ScenarioResult[] = [];
const line = (cells: Array<string | number>, w: number[]) => cells.map((c, i) => String(c).padEnd(w[i]!)).join(' ').trimEnd();
const W = [24, 28, 6, 8, 8, 18];
process.stdout.write(line(['SCENARIO', 'EXPECTED', 'RANK', 'CULPRIT', 'DETECT', 'FALSE ALARMS'], W) + '\n');
for (const s of SCENARIOS) {
  if (only && !only.test(s.name)) continue;
  const r = await runScenario(s, seconds);
  results.push(r);
  if (save) {
    mkdirSync(save, { recursive: true });
    writeFileSync(`${save}/${s.name}.json`, JSON.stringify({ scenario: s.name, what: s.what, expect: r.expected, window: r.window }) + '\n');
  }
  process.stdout.write(line([
    s.name, r.expected ?? '(healthy: none)', r.expected ? (r.rank >= 0 ? r.rank + 1 : '-') : '',
    r.expected ? (r.culpritOk ? 'ok' : 'WRONG') : '', r.detectS !== undefined ? `${r.detectS.toFixed(1)} s` : r.expected ? 'never' : '',
    r.falseAlarms.join(',') || '0',
  ], W) + '\n');
}
const faults = results.filter((r) => r.expected);
const tp = faults.filter((r) => r.rank >= 0).length;
const fp = results.reduce((s, r) => s + r.falseAlarms.length, 0);
const healthy = results.filter((r) => !r.expected);
process.stdout.write(`\nrecall ${tp}/${faults.length} (${faults.length ? Math.round((100 * tp) / faults.length) : 0}%), `
  + `precision ${tp}/${tp + fp} (${tp + fp ? Math.round((100 * tp) / (tp + fp)) : 100}%), `
  + `first-ranked ${faults.filter((r) => r.rank === 0).length}/${faults.length}, culprit right ${faults.filter((r) => r.culpritOk).length}/${faults.length}, `
  + `false alarms on the healthy runs: ${healthy.reduce((s, r) => s + r.falseAlarms.length, 0)} (window ${seconds} s)\n`);
process.exit(faults.every((r) => r.rank === 0 && r.culpritOk) && fp === 0 ? 0 : 1);
