// The scenario suite in CI: each fault, built in namespaces of its own, is found by the doctor in
// one quick window, first, with its culprit; the healthy baseline gives no warning.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kernelOpts } from '../../testlib/kernel.js';
import { SCENARIOS, runScenario } from './scenarios.js';

const WINDOW_S = Number(process.env.NETDX_SCENARIO_SECONDS ?? 3);

for (const s of SCENARIOS) {
  test(`scenario ${s.name}: ${s.what}`, kernelOpts({ timeout: 60_000 }), async () => {
    const r = await runScenario(s, WINDOW_S);
    const summary = r.findings.map((f) => `${f.severity} ${f.id}: ${f.title}`).join('\n  ');
    if (r.expected === null) {
      assert.deepEqual(r.falseAlarms, [], `healthy: no warning or critical finding; got:\n  ${summary}`);
      return;
    }
    assert.ok(r.rank >= 0, `${r.expected} is reported; got:\n  ${summary || '(nothing)'}`);
    assert.equal(r.rank, 0, `${r.expected} comes first; got:\n  ${summary}`);
    assert.ok(r.culpritOk, `${r.expected}'s culprit: ${r.culpritWhy}`);
    assert.deepEqual(r.falseAlarms, [], `no other warning; got:\n  ${summary}`);
  });
}
