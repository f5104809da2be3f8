// ieee80211scan runs on the cfg80211 tracepoints; this machine kind has no wireless support, so no
// cfg80211 tracepoint: the test holds what the user sees to be exact (`netdx list` shows it not
// runnable, naming the tracepoint; `netdx ieee80211scan` exits 2 with that one line). Where
// cfg80211 is loaded, it must attach instead (a scan needs a radio, which a test cannot make).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { kernelOpts } from '../../testlib/kernel.js';
import { assertUsageErrors, CLI_MAIN } from '../../testlib/cli.js';
import { TRACEFS } from '../../core/bpf/features.js';

const cli = (...args: string[]) => spawnSync(process.execPath, [CLI_MAIN, ...args], { encoding: 'utf8', timeout: 60_000 });

test('netdx list and netdx ieee80211scan name the missing cfg80211 tracepoint (or it attaches where cfg80211 is)', kernelOpts(), () => {
  const list = JSON.parse(cli('list', '--json').stdout) as { tools: Array<{ name: string; runnable: boolean; why_not: string | null; hooks: string[]; via?: string }> };
  const t = list.tools.find((x) => x.name === 'ieee80211scan')!;
  assert.deepEqual(t.hooks, ['tracepoint/cfg80211/rdev_scan', 'tracepoint/cfg80211/cfg80211_scan_done']);
  if (existsSync(`${TRACEFS}/events/cfg80211/rdev_scan`)) {
    assert.deepEqual([t.runnable, t.via], [true, 'tracepoint'], t.why_not ?? '');
    assert.equal(cli('ieee80211scan', '-d', '0.5').status, 0);
    return;
  }
  const why = 'this kernel has no tracepoint/cfg80211/rdev_scan (tracepoint programs work, but not this one: ENOENT)';
  assert.deepEqual([t.runnable, t.why_not], [false, why]);
  const run = cli('ieee80211scan', '-d', '1');
  assert.equal(run.status, 2, run.stderr);
  assert.equal(run.stdout, '');
  assert.equal(run.stderr, `netdx: starting ieee80211scan: ${why}\n`, 'one line, no stack trace');
});

test('ieee80211scan: bad input (exit 1, one line)', kernelOpts(), () => {
  assertUsageErrors('ieee80211scan', [['-p', '0'], ['-d', '0'], ['-4'], ['--cgroup', 'no/such/cgroup-x']]);
});
