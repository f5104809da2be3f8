// The layering rule, checked on the sources: core never imports a tool, and a tool never imports
// another tool (what two tools share belongs in core). Relative imports only: the tests' child
// processes that load dist/tools/... by absolute path are workloads, not dependencies.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const SRC = fileURLToPath(new URL('../src/', import.meta.url));
/** The doctor (and only the doctor) calls other tools, through their library (lib.ts), never their CLI. */
const ORCHESTRATORS = new Set(['doctor']);

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = `${dir}/${e.name}`;
    return e.isDirectory() ? sources(p) : /\.ts$/.test(e.name) && !e.name.endsWith('.as.ts') ? [p] : [];
  });
}

/** [file, imported file] for every relative static or dynamic import, both relative to src/, as .ts. */
function imports(): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const f of sources(SRC.replace(/\/$/, ''))) {
    const text = readFileSync(f, 'utf8');
    for (const m of text.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*)'(\.\.?\/[^']+)'/g)) {
      const to = resolve(dirname(f), m[1]!).replace(/\.js$/, '.ts');
      out.push([relative(SRC, f), relative(SRC, to)]);
    }
  }
  return out;
}

test('core imports no tool; no tool imports another, but the doctor calls tools\' libraries', () => {
  const all = imports();
  assert.ok(all.length > 100, `${all.length} imports found`);
  const tool = (p: string) => /^tools\/([^/]+)\//.exec(p)?.[1];
  const bad = all.filter(([from, to]) => {
    if (from.startsWith('core/')) return to.startsWith('tools/');
    const a = tool(from), b = tool(to);
    if (a !== undefined && ORCHESTRATORS.has(a) && b !== undefined && a !== b) return !/\/lib\.ts$/.test(to);
    return a !== undefined && b !== undefined && a !== b;
  });
  assert.deepEqual(bad.map(([f, t]) => `${f} -> ${t}`), []);
});
