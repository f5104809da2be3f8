// Output renderers shared by every tool: fixed tables that fit 100 columns, NDJSON, and the
// number formats (bytes, rates, durations) the tables use.

export interface Column<T> {
  header: string;
  get: (row: T) => string | number | bigint | undefined | null;
  align?: 'left' | 'right';
  /**
   * The widest this column is laid out: a longer cell is never cut, it overflows (the cells after
   * it return to their columns where they can, or the row continues on an indented line).
   */
  cap?: number;
}

export const TABLE_WIDTH = 100;

function cell(v: string | number | bigint | undefined | null): string {
  if (v === undefined || v === null) return '-';
  return typeof v === 'string' ? v : String(v);
}

/** A table's column widths, fixed from sample rows, for printing rows one by one as they come. */
export interface TableLayout<T> {
  readonly widths: readonly number[];
  /** The header line (no newline). */
  header(): string;
  /** One row (no trailing newline): one line, or more where it would pass the table's width. */
  row(r: T): string;
}

/** Splits `t` into pieces of at most `n` characters, after a space or comma where there is one. */
function chunks(t: string, n: number): string[] {
  const out: string[] = [];
  while (t.length > n) {
    // after a space where there is one, else after a comma (a long owner list), else anywhere
    let cut = t.lastIndexOf(' ', n);
    if (cut < n / 2) cut = t.lastIndexOf(',', n - 1) + 1;
    if (cut < n / 2) cut = n;
    out.push(t.slice(0, cut).trimEnd());
    t = t.slice(cut).trimStart();
  }
  out.push(t);
  return out;
}

/**
 * Places cells at their columns within `width`. A cell wider than its column pushes the next one
 * right by one space only, and later cells go back to their columns; a cell that would end past
 * `width` starts a continuation line (at its column, or left of it so that the rest of the row
 * fits there too). The last column, free text as a rule, is word-wrapped inside its column when
 * it has at least 30 columns to itself.
 * Nothing is ever cut (ss does the same: it wraps a row it cannot fit, it does not truncate).
 */
function placeCells(vals: readonly string[], starts: readonly number[], widths: readonly number[], right: readonly boolean[], width: number): string {
  const last = vals.length - 1;
  const lines: string[] = [];
  let cur = '';
  for (let i = 0; i < vals.length; i++) {
    const v = vals[i]!;
    const want = right[i] ? starts[i]! + widths[i]! - v.length : starts[i]!;
    let at = i === 0 ? want : Math.max(want, cur.length + 1);
    if (at + v.length > width && cur.trim() !== '') {
      const room = width - Math.max(starts[i]!, cur.length + 1);
      if (i === last && !right[i] && room >= 30) {
        const parts = chunks(v, room);
        cur = cur.padEnd(Math.max(starts[i]!, cur.length + 1)) + parts[0];
        for (const p of parts.slice(1)) { lines.push(cur); cur = ' '.repeat(starts[i]!) + p; }
        continue;
      }
      if (v.trim() === '') continue;                            // nothing to carry over
      lines.push(cur.trimEnd());
      cur = '';
      // the continuation starts at this cell's column, or further left so that the rest of the
      // row (single-spaced) fits on it too: two lines for a row, not three
      let rest = v.length;
      for (let j = i + 1; j < vals.length; j++) if (vals[j]!.trim() !== '') rest += 1 + vals[j]!.length;
      at = Math.max(0, Math.min(want, width - (rest <= width ? rest : v.length)));
    }
    if (at + v.length > width) {                                // longer than a line: split it
      const parts = chunks(v, width - at);
      for (const p of parts.slice(0, -1)) { lines.push((cur.padEnd(at) + p).trimEnd()); cur = ''; }
      cur = cur.padEnd(at) + parts[parts.length - 1];
      continue;
    }
    cur = cur.padEnd(at) + v;
  }
  lines.push(cur.trimEnd());
  return lines.join('\n');
}

/**
 * Widths from the header, the sample rows (each column up to its `cap`) and `minWidths` (by
 * column): for streaming a long table (tens of thousands of sockets) without holding every row.
 */
export function tableLayout<T>(cols: ReadonlyArray<Column<T>>, sample: Iterable<T>, minWidths: readonly number[] = [], width = TABLE_WIDTH): TableLayout<T> {
  const widths = cols.map((c, i) => Math.max(c.header.length, minWidths[i] ?? 0));
  for (const r of sample) {
    for (let i = 0; i < cols.length; i++) {
      const c = cols[i]!;
      const n = Math.min(cell(c.get(r)).length, c.cap ?? Infinity);
      if (n > widths[i]!) widths[i] = n;
    }
  }
  const starts: number[] = [];
  for (let i = 0, at = 0; i < cols.length; i++) { starts.push(at); at += widths[i]! + 1; }
  const right = cols.map((c) => c.align === 'right');
  const line = (vals: readonly string[]) => placeCells(vals, starts, widths, right, width);
  const n = cols.length;
  // The common row, every cell within its column and the row within the width, is built in one
  // pass without placeCells: an event tool prints tens of thousands a second (tcplife: the
  // generic path cost ~1 µs a row more than its hand-written one did).
  const simple = starts[n - 1]! + widths[n - 1]! <= width;
  return {
    widths,
    header: () => line(cols.map((c) => c.header)),
    row: (r) => {
      if (simple) {
        let s = '';
        for (let i = 0; i < n; i++) {
          const v = cell(cols[i]!.get(r));
          const pad = widths[i]! - v.length;
          if (pad < 0) return line(cols.map((c) => cell(c.get(r))));
          if (i > 0) s += ' ';
          s += pad === 0 ? v : right[i] ? ' '.repeat(pad) + v : v + ' '.repeat(pad);
        }
        return s.trimEnd();
      }
      return line(cols.map((c) => cell(c.get(r))));
    },
  };
}

/** Renders rows as an aligned table (header first) within `width` columns; nothing is cut. */
export function renderTable<T>(cols: ReadonlyArray<Column<T>>, rows: Iterable<T>, opts: { header?: boolean; width?: number } = {}): string {
  const all = [...rows];
  const t = tableLayout(cols, all, [], opts.width);
  const out: string[] = [];
  if (opts.header !== false) out.push(t.header());
  for (const r of all) out.push(t.row(r));
  return out.join('\n') + '\n';
}

/** One JSON object per line; bigints become numbers when safe, strings otherwise. */
export function ndjson(obj: unknown): string {
  // Without a replacer first: one makes every event's line ~2x dearer, and only a bigint needs it
  // (JSON.stringify throws a TypeError on one).
  try {
    return JSON.stringify(obj) + '\n';
  } catch (e) {
    if (!(e instanceof TypeError)) throw e;
    return JSON.stringify(obj, bigintReplacer) + '\n';
  }
}

function bigintReplacer(_k: string, v: unknown): unknown {
  return typeof v === 'bigint' ? (v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString()) : v;
}

export function fmtBytes(n: number): string {
  const units = ['B', 'K', 'M', 'G', 'T'];
  let v = n;
  let u = 0;
  while (Math.abs(v) >= 1024 && u < units.length - 1) { v /= 1024; u++; }
  return u === 0 ? `${v}${units[u]}` : `${v.toFixed(v < 10 ? 1 : 0)}${units[u]}`;
}

export function fmtNum(n: number, digits = 1): string {
  if (!Number.isFinite(n)) return '-';
  if (Number.isInteger(n) && Math.abs(n) < 1e6) return String(n);
  const a = Math.abs(n);
  if (a >= 1e9) return `${(n / 1e9).toFixed(digits)}G`;
  if (a >= 1e6) return `${(n / 1e6).toFixed(digits)}M`;
  if (a >= 1e4) return `${(n / 1e3).toFixed(digits)}k`;
  return n.toFixed(digits);
}

export function fmtDurationMs(ms: number): string {
  return ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms.toFixed(2);
}

export function writeOut(stream: NodeJS.WritableStream, s: string): void {
  stream.write(s);
}

/** Words of `text` on lines within `width`: the first line starts with `first`, the rest with `indent`. */
export function wrapWords(text: string, width: number, first: string, indent: string): string[] {
  const out: string[] = [];
  let line = first;
  let fresh = true;
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (!fresh && line.length + 1 + word.length > width) {
      out.push(line);
      line = indent + word;
    } else {
      line += (fresh ? '' : ' ') + word;
    }
    fresh = false;
  }
  out.push(line);
  return out;
}

/**
 * A fix command on its lines: the command stays whole on one line (a wrapped command cannot be
 * pasted); its `# comment` goes under it when both do not fit in `width`.
 */
export function commandLines(cmd: string, width: number, lead: string, commentLead: string): string[] {
  const [bare, comment] = cmd.split(/\s+#\s+/, 2) as [string, string | undefined];
  if (!comment || lead.length + cmd.length <= width) return [lead + cmd];
  return [lead + bare, ...wrapWords(comment, width, `${commentLead}# `, `${commentLead}  `)];
}

