// The tool table against the tools: the registry repeats each tool's name, layer and summary so
// that `netdx --help` lists every tool without loading one; this holds the copies equal to the
// definitions, every tool folder registered, and every help line within 100 columns.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { TOOLS } from './registry.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const MAIN = `${ROOT}dist/netdx.cjs`;
const WIDTH = 100;

test('each entry has the name, layer and summary of the tool it loads', async () => {
  for (const t of TOOLS) {
    const def = await t.load();
    assert.deepEqual({ name: t.name, layer: t.layer, summary: t.summary }, { name: def.name, layer: def.layer, summary: def.summary },
      `registry entry '${t.name}' differs from its defineTool()`);
  }
});

test('names are unique, and every src/tools/<dir>/cli.ts is registered under its folder name', () => {
  const names = TOOLS.map((t) => t.name);
  assert.deepEqual(names.filter((n, i) => names.indexOf(n) !== i), [], 'names registered twice');
  const dirs = readdirSync(`${ROOT}src/tools`, { withFileTypes: true })
    .filter((e) => e.isDirectory() && existsSync(`${ROOT}src/tools/${e.name}/cli.ts`)).map((e) => e.name);
  assert.ok(dirs.length >= 9, `${dirs.length} tool folders`);
  assert.deepEqual([...names].sort(), [...dirs].sort());
});

test('the registry loads no tool until asked: it imports types only', () => {
  const src = readFileSync(`${ROOT}src/tools/registry.ts`, 'utf8');
  assert.deepEqual(src.split('\n').filter((l) => /^import\s/.test(l) && !/^import type\s/.test(l)), []);
});

test(`every line of netdx --help and of each tool's --help fits in ${WIDTH} columns`, () => {
  for (const args of [['--help'], ...TOOLS.map((t) => [t.name, '--help'])]) {
    const r = spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8' });
    assert.equal(r.status, 0, `${args.join(' ')}: ${r.stderr}`);
    assert.ok(r.stdout.length > 0, args.join(' '));
    for (const line of r.stdout.split('\n')) {
      // columns, not bytes or UTF-16 units: '—' and 'µ' are one column each
      assert.ok([...line].length <= WIDTH, `netdx ${args.join(' ')}: ${[...line].length} columns: ${line}`);
    }
  }
});

test('options mean the same in every tool: -i has one range, -c 0 means until Ctrl-C and a negative count is refused', async (t) => {
  const root = process.getuid?.() === 0;
  let checked = 0;
  for (const entry of TOOLS) {
    const def = await entry.load();
    const opts = def.options as Record<string, { short?: string; help: string }>;
    // a BPF tool checks privilege before its options: without root there is nothing to see
    if (def.root && !root) { t.diagnostic(`${def.name}: skipped (needs root)`); continue; }
    const iface = def.name === 'ethtool' ? ['lo'] : [];
    const run = (...args: string[]) => spawnSync(process.execPath, [MAIN, def.name, ...iface, ...args], { encoding: 'utf8', timeout: 20_000 });
    if (opts.interval?.short === 'i') {
      for (const bad of ['0', '3601', '-1']) {
        const r = run('-i', bad);
        assert.equal(r.status, 1, `${def.name} -i ${bad}: exit ${r.status} ${r.stderr}`);
        assert.equal(r.stderr, `netdx: parsing -i: SECONDS must be above 0 and at most 3600, not ${bad}\n`, `${def.name} -i ${bad}`);
      }
      checked++;
    }
    if (opts.count?.short === 'c') {
      assert.match(opts.count.help, /0.*until Ctrl-C/, `${def.name}: -c 0 runs until Ctrl-C, and its help says so`);
      const r = run('-i', '1', '-c', '-1');
      assert.equal(r.status, 1, `${def.name} -c -1`);
      assert.match(r.stderr, /^netdx: parsing -c: .*0.*\n$/, def.name);
    }
  }
  assert.ok(checked >= 5, `${checked} tools with -i`);
});
