// Tables: widths follow the content up to a cap; nothing is ever cut; rows wrap within the width.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderTable, tableLayout, type Column } from './output.js';

interface R { name: string; n: number | undefined; note: string }
const cols: Array<Column<R>> = [
  { header: 'NAME', get: (r) => r.name, cap: 8 },
  { header: 'N', get: (r) => r.n, align: 'right' },
  { header: 'NOTE', get: (r) => r.note },
];
const rows: R[] = [{ name: 'a', n: 1, note: 'x' }, { name: 'a-very-long-name', n: 12345, note: '' }, { name: 'b', n: undefined, note: 'y z' }];

test('renderTable: widths follow the content up to the cap, a longer cell overflows whole, right alignment, no trailing blanks', () => {
  assert.equal(renderTable(cols, rows), [
    'NAME         N NOTE',
    'a            1 x',
    'a-very-long-name 12345',
    'b            - y z',
    '',
  ].join('\n'));
  assert.equal(renderTable(cols, rows, { header: false }).split('\n')[0], 'a            1 x');
});

test('tableLayout: widths from a sample and minimums; a later wider cell widens only its own row', () => {
  const t = tableLayout(cols, rows.slice(0, 1), [0, 3]);
  assert.deepEqual(t.widths, [4, 3, 4]);
  assert.equal(t.header(), 'NAME   N NOTE');
  assert.equal(t.row(rows[0]!), 'a      1 x');
  assert.equal(t.row(rows[1]!), 'a-very-long-name 12345');
  // the layout of the whole sample is what renderTable prints
  const all = tableLayout(cols, rows);
  assert.equal([all.header(), ...rows.map(all.row)].join('\n') + '\n', renderTable(cols, rows));
});

interface S { state: string; local: string; peer: string; proc: string }
const sockCols: Array<Column<S>> = [
  { header: 'State', get: (s) => s.state },
  { header: 'Local:Port', get: (s) => s.local, cap: 26 },
  { header: 'Peer:Port', get: (s) => s.peer, cap: 26 },
  { header: 'Process', get: (s) => s.proc },
];
const L = '[fd00:dead:beef:cafe:1234:5678:9abc:def2]:65535';
const P = '[fd00:dead:beef:cafe:1234:5678:9abc:def1]:65534';

test('two full IPv6 ends: the row continues on a second line, both ends whole and distinct, within 100 columns', () => {
  const out = renderTable(sockCols, [
    { state: 'ESTAB', local: '127.0.0.1:80', peer: '127.0.0.1:5555', proc: 'nginx(10,fd=3)' },
    { state: 'ESTAB', local: L, peer: P, proc: 'python3(4242,fd=7)' },
  ]);
  const lines = out.trimEnd().split('\n');
  for (const l of lines) assert.ok(l.length <= 100, `${l.length} > 100: ${l}`);
  assert.equal(lines.filter((l) => l.includes(L)).length, 1);
  assert.equal(lines.filter((l) => l.includes(P)).length, 1);
  assert.ok(lines.findIndex((l) => l.includes(P)) > lines.findIndex((l) => l.includes(L)), 'peer after local');
  assert.ok(out.includes('python3(4242,fd=7)'));
  assert.equal(lines.length, 4, 'header, the short row, the long row on two lines');
  assert.equal(lines[1], 'ESTAB 127.0.0.1:80               127.0.0.1:5555             nginx(10,fd=3)', 'a short row keeps its columns');
  // a cell that overflowed pushes the next one a single space; the one after goes back to its column
  const t = tableLayout(sockCols, [{ state: 'ESTAB', local: '127.0.0.1:80', peer: '[::ffff:198.18.0.10]:65535', proc: 'x' }]);
  assert.equal(t.row({ state: 'ESTAB', local: '[fd00::1234:5678:9abc]:65535', peer: '1.2.3.4:1', proc: 'x' }),
    'ESTAB [fd00::1234:5678:9abc]:65535 1.2.3.4:1  x');
});

test('the last column is word-wrapped inside its column; a token longer than a line is split, not cut', () => {
  const text = Array.from({ length: 30 }, (_, i) => `word${i}`).join(' ');
  const out = renderTable<{ k: string; v: string }>([
    { header: 'K', get: (r) => r.k }, { header: 'MEANING', get: (r) => r.v },
  ], [{ k: 'TcpExtListenDrops', v: text }]).trimEnd().split('\n');
  for (const l of out) assert.ok(l.length <= 100);
  assert.ok(out.length >= 3);
  for (const l of out.slice(2)) assert.match(l, /^ {18}\S/, 'continuations start at the column');
  assert.equal(out.slice(1).map((l) => l.trim()).join(' ').replace('TcpExtListenDrops ', ''), text);
  const long = 'x'.repeat(250);
  const split = renderTable<{ v: string }>([{ header: 'PATH', get: (r) => r.v }], [{ v: long }]).trimEnd().split('\n');
  assert.ok(split.every((l) => l.length <= 100));
  assert.equal(split.slice(1).join(''), long);
});

test('a row whose cells all fit is each cell at its column, right-aligned where asked, as the header is', () => {
  // the one-pass row and the general placement must agree: a header made of the row's own cells
  // goes through the general one
  let seed = 7;
  const rnd = (n: number) => { seed = (seed * 1103515245 + 12345) % 2 ** 31; return seed % n; };
  const word = (n: number) => 'abcdefghij'.slice(0, n);
  for (let k = 0; k < 500; k++) {
    const r: R = { name: word(rnd(5)), n: rnd(3) ? rnd(1000) : undefined, note: word(rnd(9)) };
    const t = tableLayout(cols, [], [4, 3, 8]);
    const asHeader = tableLayout(cols.map((c, i) => ({ ...c, header: String(cols[i]!.get(r) ?? '-') })), [], [4, 3, 8]);
    assert.equal(t.row(r), asHeader.header(), JSON.stringify(r));
  }
});
