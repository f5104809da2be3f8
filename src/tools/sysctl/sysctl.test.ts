// Pure tests of the tunables table and its evaluation, and the CLI's answers to bad input.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { evaluateTunables, normalizeSysctl } from './lib.js';
import { TUNABLES, sysctlPath, type Tunable } from './tunables.js';

const NETDX = fileURLToPath(new URL('../../netdx.cjs', import.meta.url));

test('evaluateTunables: default, changed, older default, rule, derived, reading, absent', () => {
  const table: Tunable[] = [
    { name: 'a.def', defaults: ['4096', '128'], meaning: 'm' },
    { name: 'a.old', defaults: ['4096', '128'], meaning: 'm' },
    { name: 'a.chg', defaults: ['1'], meaning: 'm' },
    { name: 'a.rule', rule: 'depends', meaning: 'm' },
    { name: 'a.derived', derive: (r) => [String(Number(r('a.base')) / 2)], meaning: 'm' },
    { name: 'a.reading', reading: true, meaning: 'm' },
    { name: 'a.absent', defaults: ['0'], meaning: 'm' },
  ];
  const vals: Record<string, string> = { 'a.def': '4096', 'a.old': '128', 'a.chg': '0', 'a.rule': '7', 'a.derived': '100', 'a.base': '300', 'a.reading': '5' };
  const r = evaluateTunables((n) => vals[n], table);
  assert.deepEqual(r.map((t) => [t.name, t.changed, t.present]), [
    ['a.def', false, true], ['a.old', false, true], ['a.chg', true, true], ['a.rule', null, true],
    ['a.derived', true, true], ['a.reading', null, true], ['a.absent', null, false],
  ]);
  assert.deepEqual(r[4]!.defaults, ['150']);
  assert.equal(r[6]!.value, null);
});

test('normalizeSysctl collapses tabs and the newline', () => {
  assert.equal(normalizeSysctl('4096\t131072\t6291456\n'), '4096 131072 6291456');
  assert.equal(normalizeSysctl('\n'), '');
});

// Tunables that exist only with a module or a recent kernel; every other name must exist here,
// which catches a misspelt name (it would read as "absent" forever).
const OPTIONAL = /^net\.netfilter\.|^net\.ipv4\.tcp_rto_min_us$|^net\.ipv6\./;

test('the table: unique names, a meaning each, and names that exist on this kernel', () => {
  const names = TUNABLES.map((t) => t.name);
  assert.equal(new Set(names).size, names.length);
  for (const t of TUNABLES) {
    assert.ok(t.meaning.length > 10, t.name);
    assert.ok(t.defaults || t.rule || t.reading, `${t.name} has a default, a rule, or is a reading`);
    if (!OPTIONAL.test(t.name)) assert.ok(existsSync(sysctlPath(t.name)), `${t.name} exists in /proc/sys`);
  }
  for (const must of ['net.core.somaxconn', 'net.ipv4.tcp_rmem', 'net.ipv4.tcp_congestion_control', 'net.netfilter.nf_conntrack_max']) {
    assert.ok(names.includes(must), must);
  }
});

test('bad input: one line on stderr, exit 1', () => {
  for (const args of [['sysctl', 'nosuch.*'], ['sysctl', '--bogus'], ['nstat', 'NoSuchCounter'], ['nstat', '-i', '0'], ['nstat', '-c', '-1'],
    ['nstat', '-a', '-i', '2'], ['nstat', '-i', 'x']]) {
    const r = spawnSync(process.execPath, [NETDX, ...args], { encoding: 'utf8' });
    assert.equal(r.status, 1, args.join(' '));
    assert.equal(r.stdout, '', args.join(' '));
    assert.match(r.stderr, /^netdx: parsing [^\n]+\n$/, args.join(' '));
  }
});
