// Tables: widths follow the content; a streamed layout fixes them from a sample.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderTable, tableLayout, type Column } from './output.js';

interface R { name: string; n: number | undefined; note: string }
const cols: Array<Column<R>> = [
  { header: 'NAME', get: (r) => r.name, max: 8 },
  { header: 'N', get: (r) => r.n, align: 'right' },
  { header: 'NOTE', get: (r) => r.note },
];
const rows: R[] = [{ name: 'a', n: 1, note: 'x' }, { name: 'a-very-long-name', n: 12345, note: '' }, { name: 'b', n: undefined, note: 'y z' }];

test('renderTable: widths follow the content, long cells cut with an ellipsis, right alignment, no trailing blanks', () => {
  assert.equal(renderTable(cols, rows), [
    'NAME         N NOTE',
    'a            1 x',
    'a-very-… 12345',
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
  assert.equal(t.row(rows[1]!), 'a-very-… 12345');
  // the layout of the whole sample is what renderTable prints
  const all = tableLayout(cols, rows);
  assert.equal([all.header(), ...rows.map(all.row)].join('\n') + '\n', renderTable(cols, rows));
});
