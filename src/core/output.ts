// Output renderers shared by every tool: fixed tables that fit 100 columns, NDJSON, and the
// number formats (bytes, rates, durations) the tables use.

export interface Column<T> {
  header: string;
  get: (row: T) => string | number | bigint | undefined | null;
  align?: 'left' | 'right';
  /** Truncate longer cells to this width (keeps tables within 100 columns). */
  max?: number;
}

export const TABLE_WIDTH = 100;

function cell(v: string | number | bigint | undefined | null): string {
  if (v === undefined || v === null) return '-';
  return typeof v === 'string' ? v : String(v);
}

function fit(s: string, max: number | undefined): string {
  if (!max || s.length <= max) return s;
  return max <= 1 ? s.slice(0, max) : s.slice(0, max - 1) + '…';
}

/** A table's column widths, fixed from sample rows, for printing rows one by one as they come. */
export interface TableLayout<T> {
  readonly widths: readonly number[];
  /** The header line (no newline). */
  header(): string;
  /** One row's line (no newline); a cell wider than its column widens that row only. */
  row(r: T): string;
}

/**
 * Widths from the header, the sample rows and `minWidths` (by column): for streaming a long table
 * (tens of thousands of sockets) without holding every row.
 */
export function tableLayout<T>(cols: ReadonlyArray<Column<T>>, sample: Iterable<T>, minWidths: readonly number[] = []): TableLayout<T> {
  const widths = cols.map((c, i) => Math.max(c.header.length, minWidths[i] ?? 0));
  for (const r of sample) {
    for (let i = 0; i < cols.length; i++) {
      const n = fit(cell(cols[i]!.get(r)), cols[i]!.max).length;
      if (n > widths[i]!) widths[i] = n;
    }
  }
  const line = (vals: readonly string[]) => {
    let out = '';
    for (let i = 0; i < vals.length; i++) {
      const v = vals[i]!;
      if (i > 0) out += ' ';
      out += cols[i]!.align === 'right' ? v.padStart(widths[i]!) : i === vals.length - 1 ? v : v.padEnd(widths[i]!);
    }
    return out.trimEnd();
  };
  return {
    widths,
    header: () => line(cols.map((c) => c.header)),
    row: (r) => line(cols.map((c) => fit(cell(c.get(r)), c.max))),
  };
}

/** Renders rows as an aligned table (header first); widths follow the content. */
export function renderTable<T>(cols: ReadonlyArray<Column<T>>, rows: Iterable<T>, opts: { header?: boolean } = {}): string {
  const all = [...rows];
  const t = tableLayout(cols, all);
  const out: string[] = [];
  if (opts.header !== false) out.push(t.header());
  for (const r of all) out.push(t.row(r));
  return out.join('\n') + '\n';
}

/** One JSON object per line; bigints become numbers when safe, strings otherwise. */
export function ndjson(obj: unknown): string {
  return JSON.stringify(obj, (_k, v) => (typeof v === 'bigint' ? (v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString()) : v)) + '\n';
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

/**
 * Caps the last column (a free-text MEANING, say) so that the table fits `width` columns; the
 * other columns keep their content widths. Returns new column specs for renderTable.
 */
export function fitLastColumn<T>(cols: ReadonlyArray<Column<T>>, rows: readonly T[], width = TABLE_WIDTH, min = 12): Column<T>[] {
  const others = cols.slice(0, -1).map((c) => Math.max(c.header.length, ...rows.map((r) => fit(cell(c.get(r)), c.max).length)));
  const used = others.reduce((a, b) => a + b, 0) + others.length;   // one space between columns
  const last = cols[cols.length - 1]!;
  return [...cols.slice(0, -1), { ...last, max: Math.max(min, width - used) }];
}
