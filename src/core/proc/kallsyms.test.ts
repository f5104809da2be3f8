// kallsyms: the one-pass matcher against a plain reference (every text symbol in a sorted table,
// the nearest at or below each address), on made-up kallsyms text cut into pieces at every
// place, and on this machine's /proc/kallsyms when it is readable with real addresses.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kallsymsSpan, KallsymsMatcher, readKallsyms, symbolizeKallsyms } from './kallsyms.js';

/** The reference: every T/t/W/w symbol with a real address, sorted; nearest at or below. */
function referenceOf(text: string): (addr: bigint) => string {
  const syms: Array<[bigint, string]> = [];
  for (const line of text.split('\n')) {
    const [a, type, name] = line.split(/[ \t]+/);
    if (!a || !type || !name || !'TtWw'.includes(type) || BigInt(`0x${a}`) === 0n) continue;
    syms.push([BigInt(`0x${a}`), name]);
  }
  return (addr) => {
    let best: [bigint, string] | undefined;
    for (const s of syms) if (s[0] <= addr && (!best || s[0] > best[0])) best = s;
    if (!best) return `0x${addr.toString(16)}`;
    return best[0] === addr ? best[1] : `${best[1]}+0x${(addr - best[0]).toString(16)}`;
  };
}
const reference = (text: string, addr: bigint) => referenceOf(text)(addr);

const TEXT = [
  'ffffffff81000000 T _stext',
  'ffffffff81000000 T _text',
  'ffffffff81000040 t early_helper',
  'ffffffff81001000 D some_data',
  'ffffffff81002000 T tcp_validate_incoming',
  'ffffffff81002400 W weak_fn',
  'ffffffff81001800 t out_of_order_fn',
  'ffffffffc0a01000 t nft_do_chain\t[nf_tables]',
  'ffffffffc0a00000 t nft_init\t[nf_tables]',
  'ffffffffc0b00000 r nft_rodata\t[nf_tables]',
  '',
].join('\n');
const ASK = [0xffffffff81000010n, 0xffffffff81001900n, 0xffffffff81002000n, 0xffffffff81002500n, 0xffffffffc0a013e8n,
  0xffffffffc0a00010n, 0xffffffff80000000n, 0xffffffffc0b00010n];

test('symbolizeKallsyms names each address as the full table does', () => {
  const k = symbolizeKallsyms(TEXT, ASK);
  for (const a of ASK) assert.equal(k.symbolize(a), reference(TEXT, a), a.toString(16));
  assert.equal(k.symbolize(0xffffffffc0a013e8n), 'nft_do_chain+0x3e8');
  assert.equal(k.symbolize(0xffffffff81002000n), 'tcp_validate_incoming');
  assert.equal(k.symbolize(0xffffffff80000000n), '0xffffffff80000000'); // below every symbol
  assert.equal(k.symbolize(0x1234n), '0x1234'); // not asked
});

test('the text may come in pieces cut anywhere, the last line without its newline', () => {
  const text = TEXT.trimEnd();
  for (let cut = 0; cut <= text.length; cut++) {
    const k = new KallsymsMatcher(ASK).feed(text.slice(0, cut)).feed(text.slice(cut)).done();
    for (const a of ASK) assert.equal(k.symbolize(a), reference(TEXT, a), `cut at ${cut}, ${a.toString(16)}`);
  }
});

test('hidden addresses (kptr_restrict) name nothing', () => {
  const hidden = TEXT.replace(/^[0-9a-f]{16}/gm, '0000000000000000');
  const k = symbolizeKallsyms(hidden, ASK);
  for (const a of ASK) assert.equal(k.symbolize(a), `0x${a.toString(16)}`);
});

test('random symbols and addresses: the same names as the reference', () => {
  let seed = 7;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const lines: string[] = [];
  for (let i = 0; i < 400; i++) {
    const a = 0xffffffff81000000n + BigInt(Math.floor(rnd() * 2 ** 24));
    lines.push(`${a.toString(16)} ${'TtWwDdRr'[Math.floor(rnd() * 8)]} f${i}${rnd() < 0.2 ? `\t[m${i % 3}]` : ''}`);
  }
  const text = lines.join('\n');
  const ask = Array.from({ length: 60 }, () => 0xffffffff81000000n + BigInt(Math.floor(rnd() * 2 ** 24)) - 0x1000n);
  const k = symbolizeKallsyms(text, ask);
  for (const a of ask) assert.equal(k.symbolize(a), reference(text, a), a.toString(16));
});

test('/proc/kallsyms: read in pieces, the same names as the whole file (root)', (t) => {
  let text: string;
  try { text = readFileSync('/proc/kallsyms', 'latin1'); } catch { t.skip('no /proc/kallsyms'); return; }
  const first = text.slice(0, text.indexOf(' '));
  if (/^0+$/.test(first)) { t.skip('addresses hidden (not root, or kptr_restrict)'); return; }
  // addresses just past a few symbols of the file, and one exactly on a symbol
  const lines = text.split('\n').filter((l) => / [Tt] /.test(l));
  const ask = [0, 1000, 50_000, lines.length - 1].map((i) => BigInt(`0x${lines[i]!.slice(0, 16)}`) + (i ? 0x10n : 0n));
  const k = readKallsyms(ask)!;
  const whole = symbolizeKallsyms(text, ask);
  const ref = referenceOf(text);
  for (const a of ask) {
    assert.equal(k.symbolize(a), whole.symbolize(a));
    assert.equal(k.symbolize(a), ref(a));
  }
  assert.ok(!k.symbolize(ask[0]!).startsWith('0x'));
});

test('kallsymsSpan: a function from its address to the next symbol; none when absent or hidden', () => {
  const dir = mkdtempSync(join(tmpdir(), 'netdx-kallsyms-'));
  try {
    const f = join(dir, 'kallsyms');
    writeFileSync(f, TEXT);
    assert.deepEqual(kallsymsSpan('early_helper', f), [0xffffffff81000040n, 0xffffffff81001000n]);
    assert.deepEqual(kallsymsSpan('tcp_validate_incoming', f), [0xffffffff81002000n, 0xffffffff81002400n]);
    assert.equal(kallsymsSpan('tcp_validate', f), undefined, 'whole names only');
    assert.equal(kallsymsSpan('some_data', f), undefined, 'text symbols only');
    assert.equal(kallsymsSpan('no_such_fn', f), undefined);
    writeFileSync(f, '0000000000000000 T a_fn\n0000000000000000 T b_fn\n');
    assert.equal(kallsymsSpan('a_fn', f), undefined, 'hidden addresses');
    assert.equal(kallsymsSpan('a_fn', join(dir, 'missing')), undefined);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
