// The event layouts the build generated from each tool's C header (<tool>.h.ts) are the layouts
// clang gave the structs in the tool's BPF object: checked for every tool, from the objects' BTF.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, statSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { structLayoutFromElf } from './btf.js';
import { structDecoder, type StructLayout } from './struct.js';
import { DIST_DIR } from '../files.js';

function generated(dir: string, out: string[] = []): string[] {
  for (const e of readdirSync(dir)) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) generated(p, out);
    else if (p.endsWith('.h.js')) out.push(p);
  }
  return out;
}

test('every generated layout equals the struct in its tool object (BTF)', async () => {
  const files = generated(`${DIST_DIR}tools`);
  assert.ok(files.some((f) => f.endsWith('tcplife.h.js')), 'tcplife has its generated layout');
  let n = 0;
  for (const f of files) {
    const obj = `${DIST_DIR}bpf/${f.slice(f.lastIndexOf('/') + 1).replace(/\.h\.js$/, '.bpf.o')}`;
    if (!existsSync(obj)) continue; // a kernel without BTF builds no objects
    for (const layout of Object.values(await import(f)) as StructLayout[]) {
      const inObject = structLayoutFromElf(obj, layout.name);
      assert.equal(inObject.size, layout.size, `${layout.name}: size`);
      assert.deepEqual(inObject.members, Object.fromEntries(Object.entries(layout.fields).map(([k, v]) => [k, v.off])), `${layout.name}: offsets`);
      n++;
    }
  }
  assert.ok(n >= 1);
});

test('a generated decoder reads every kind of field', () => {
  const L = {
    name: 'demo', size: 40,
    fields: {
      a: { off: 0, size: 8, count: 1, signed: false, char: false },
      b: { off: 8, size: 4, count: 1, signed: true, char: false },
      c: { off: 12, size: 2, count: 1, signed: false, char: false },
      d: { off: 14, size: 1, count: 4, signed: false, char: false },
      e: { off: 18, size: 1, count: 6, signed: true, char: true },
      _pad: { off: 24, size: 4, count: 1, signed: false, char: false },
      f: { off: 28, size: 4, count: 3, signed: false, char: false },
    },
  } as const satisfies StructLayout;
  const b = Buffer.alloc(48);
  b.writeBigUInt64LE(123456789012n, 4);
  b.writeInt32LE(-7, 12);
  b.writeUInt16LE(65535, 16);
  b.set([1, 2, 3, 4], 18);
  b.write('héllo', 22); // 6 bytes of UTF-8, no NUL: the array's end ends it
  b.writeUInt32LE(10, 32); b.writeUInt32LE(20, 36); b.writeUInt32LE(30, 40);
  const r = structDecoder(L)(new DataView(b.buffer, b.byteOffset, b.length), 4);
  assert.deepEqual({ ...r, d: [...r.d] }, { a: 123456789012, b: -7, c: 65535, d: [1, 2, 3, 4], e: 'héllo', f: [10, 20, 30] });
  assert.equal('_pad' in r, false);
  b[18] = 99; // the array is a copy: the ring's space is reused once consumed
  assert.equal(r.d[0], 1);
  b.fill(0, 22, 28); b.write('lo0', 22); // ASCII ended by a NUL
  assert.equal(structDecoder(L)(new DataView(b.buffer, b.byteOffset, b.length), 4).e, 'lo0');
  b.write('eth0.1', 22); // ASCII filling the array
  assert.equal(structDecoder(L)(new DataView(b.buffer, b.byteOffset, b.length), 4).e, 'eth0.1');
});
