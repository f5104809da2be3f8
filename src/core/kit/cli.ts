// The command-line loop of BPF tools, written once: the shared filter flags (-p, --comm, -4/-6, -L, -D,
// --netns, --cgroup), -d, -T with the event's own time, --json (NDJSON for events, one object
// per interval for aggregates), "Tracing ..." on stderr once attached, Ctrl-C, and what was lost
// reported at exit. A tool gives its probe definition and how to render; this gives it a CLI.
import { existsSync } from 'node:fs';
import { NetdxError } from '../errors.js';
import { renderHistogram, type Histogram } from '../hist.js';
import { renderTable, tableLayout, type Column } from '../output.js';
import { poller } from '../bpf/ringbuf.js';
import type { LostEvents } from '../bpf/object.js';
import { checkInterval, clockOf, sleep, wallMsOf } from '../time.js';
import { defineTool, type Layer, type OptionSpecs, type Parsed, type RunContext, type ToolDef } from '../tool.js';
import { cgroupId, commBytes, MAX_PORTS, netnsInode, type CommonFilter, type FilterFlag } from './filter.js';
import { startEvents, type EventProbe, type EventSpec } from './events.js';
import { startInterval, type IntervalSpec } from './interval.js';
import type { ProbeSpec } from './load.js';

const FILTER_OPTIONS: Record<FilterFlag, OptionSpecs> = {
  pid: {
    pid: { type: 'int', short: 'p', arg: 'PID', help: 'only this process' },
    comm: { type: 'string', arg: 'NAME', help: 'only processes of this name (as in /proc/PID/comm)' },
  },
  family: { ipv4: { type: 'bool', short: '4', help: 'IPv4 only' }, ipv6: { type: 'bool', short: '6', help: 'IPv6 only' } },
  lport: { lport: { type: 'ports', short: 'L', arg: 'PORTS', help: `only these local ports (comma list, up to ${MAX_PORTS})` } },
  rport: { rport: { type: 'ports', short: 'D', arg: 'PORTS', help: `only these remote ports (comma list, up to ${MAX_PORTS})` } },
  netns: { netns: { type: 'string', arg: 'NAME', help: 'only this network namespace (a name under /run/netns, or a path)' } },
  cgroup: { cgroup: { type: 'string', arg: 'PATH', help: 'only processes in this cgroup v2 (path under /sys/fs/cgroup)' } },
};

const RUN_OPTIONS = {
  duration: { type: 'number', short: 'd', arg: 'SECONDS', help: 'stop after this many seconds' },
} as const satisfies OptionSpecs;

/** The options a tool offers: the shared filters it supports, then its own. */
function toolOptions(filters: readonly FilterFlag[], own: OptionSpecs, extra: OptionSpecs): OptionSpecs {
  return Object.assign({}, ...filters.map((f) => FILTER_OPTIONS[f]), own, extra);
}

type AnyOpts = Record<string, unknown>;

/** The shared filters from parsed flags, checked with the flags' names in errors. */
export function filterFromFlags(o: AnyOpts): CommonFilter {
  const pid = o.pid as number | undefined;
  if (pid !== undefined && !(pid > 0)) throw new NetdxError('E_USAGE', 'parsing -p: PID must be above 0');
  // a PID that names no process is a typo: the filter would show nothing, silently (ss, nstat
  // and the doctor refuse it too)
  if (pid !== undefined && !existsSync(`/proc/${pid}`)) throw new NetdxError('E_USAGE', `parsing -p: no process ${pid}`);
  if (typeof o.comm === 'string') commBytes(o.comm, '--comm');
  if (o.ipv4 && o.ipv6) throw new NetdxError('E_USAGE', 'parsing arguments: -4 and -6 exclude each other');
  for (const [flag, key] of [['-L', 'lport'], ['-D', 'rport']] as const) {
    const l = o[key] as number[] | undefined;
    if (l && l.length > MAX_PORTS) throw new NetdxError('E_USAGE', `parsing ${flag}: at most ${MAX_PORTS} ports`);
  }
  return {
    pid,
    comm: typeof o.comm === 'string' ? o.comm : undefined,
    family: o.ipv4 ? 4 : o.ipv6 ? 6 : undefined,
    lports: (o.lport as number[] | undefined)?.length ? (o.lport as number[]) : undefined,
    rports: (o.rport as number[] | undefined)?.length ? (o.rport as number[]) : undefined,
    netns: typeof o.netns === 'string' ? netnsInode(o.netns) : undefined,
    cgroup: typeof o.cgroup === 'string' ? cgroupId(o.cgroup) : undefined,
  };
}

function checkDuration(o: AnyOpts): number | undefined {
  const d = o.duration as number | undefined;
  if (d !== undefined && !(d > 0)) throw new NetdxError('E_USAGE', 'parsing -d: SECONDS must be above 0');
  return d;
}

/** Resolves on -d's end or Ctrl-C (or SIGTERM, SIGHUP). */
function untilStopped(ctx: RunContext, seconds: number | undefined): Promise<void> {
  return sleep(seconds === undefined ? 2 ** 31 - 1 : seconds * 1000, ctx.signal);
}

/** Lines about what a probe could not deliver, for stderr at exit. */
export function lostLines(tool: string, lost: LostEvents, failed: number, what = 'events', untracked = 'sockets not followed', skipped = 0): string[] {
  const out: string[] = [];
  if (lost.full) out.push(`netdx ${tool}: ${lost.full} ${what} lost (ring buffer full)`);
  if (lost.refused) out.push(`netdx ${tool}: ${lost.refused} ${what} lost (the kernel refused ring space with room left)`);
  if (lost.untracked) out.push(`netdx ${tool}: ${lost.untracked} ${untracked} (the tracking table was full)`);
  if (skipped) out.push(`netdx ${tool}: ${skipped} program runs skipped by the kernel (the program was already running on that CPU): their ${what} are missing`);
  if (failed) out.push(`netdx ${tool}: ${failed} ${what} could not be decoded`);
  return out;
}

export interface ToolMeta {
  name: string;
  layer: Layer;
  summary: string;
  replaces?: string;
  examples?: readonly string[];
}

export interface EventToolDef<E, S extends OptionSpecs> extends ToolMeta {
  spec: EventSpec<E, Parsed<S>>;
  /** The tool's own options (beyond the shared filters, -d, -T and --json). */
  options: S;
  /** "Tracing <what>... Hit Ctrl-C to end." */
  tracing: string;
  /** Table columns (widths are minimums: a longer value widens its row, never cut). */
  columns(opts: Parsed<S>): ReadonlyArray<Column<E> & { width?: number }>;
  /** One NDJSON line (with its newline). */
  json(e: E): string;
  /** The event's kernel time (CLOCK_MONOTONIC ns), for -T. */
  time(e: E): number;
  /** What the lost-event lines call the events, and what was not followed when a table filled. */
  nouns?: { events: string; untracked: string };
  /** Extra checks of the options, before attaching. */
  check?(opts: Parsed<S>): void;
  /**
   * When the tool's `summary` option is given: no line per event, the events aggregated and one
   * report at the end (one NDJSON object per row with --json).
   */
  aggregate?(opts: Parsed<S>): EventAggregate<E>;
}

/** Events gathered over a run, for a report at its end. */
export interface EventAggregate<E> {
  add(e: E): void;
  /** The report as text. */
  text(): string;
  /** The report's rows, one JSON object each. */
  rows(): ReadonlyArray<Record<string, unknown>>;
  /** At the end, after the last event, with the probe's maps still readable. */
  finish?(probe: EventProbe<E>): void;
}

/**
 * A BPF tool's ToolDef: its options (the shared filters it applies, its own, the run options),
 * and a run that gets the filter and -d already checked.
 */
function bpfTool<S extends OptionSpecs>(def: ToolMeta & { spec: ProbeSpec<never> & { filters?: readonly FilterFlag[] }; options: S; check?(opts: Parsed<S>): void },
  extra: OptionSpecs, run: (opts: Parsed<S>, o: AnyOpts, ctx: RunContext, filter: CommonFilter, duration: number | undefined) => Promise<number>): ToolDef<OptionSpecs> {
  return defineTool<OptionSpecs>({
    name: def.name, layer: def.layer, summary: def.summary, replaces: def.replaces, examples: def.examples,
    hooks: def.spec.hooks, probe: def.spec, root: true, options: toolOptions(def.spec.filters ?? [], def.options, runOptions(extra)),
    async run(opts, ctx) {
      const o = opts as AnyOpts;
      const filter = filterFromFlags(o);
      const duration = checkDuration(o);
      def.check?.(opts as Parsed<S>);
      return run(opts as Parsed<S>, o, ctx, filter, duration);
    },
  });
}

/** A tool kind's own run options, then -d, then -T last in help. */
function runOptions(extra: OptionSpecs): OptionSpecs {
  const { time, ...rest } = extra;
  return { ...rest, ...RUN_OPTIONS, ...(time ? { time } : {}) };
}

/** A CLI for an event tool. */
export function eventTool<E, S extends OptionSpecs>(def: EventToolDef<E, S>): ToolDef<OptionSpecs> {
  return bpfTool(def, {
    time: { type: 'bool', short: 'T', help: 'print an HH:MM:SS column (when the event happened)' },
  }, async (opts, o, ctx, filter, duration) => {
      const cols: Array<Column<E> & { width?: number }> = [...def.columns(opts as Parsed<S>)];
      if (o.time) cols.unshift({ header: 'TIME', get: (e) => clockOf(def.time(e)), width: 8 });
      const layout = tableLayout(cols, [], cols.map((c) => c.width ?? 0));
      const out: string[] = [];
      const agg = o.summary ? def.aggregate?.(opts as Parsed<S>) : undefined;
      const onEvent = agg ? (e: E) => agg.add(e) : opts.json ? (e: E) => { out.push(def.json(e)); } : (e: E) => { out.push(layout.row(e) + '\n'); };
      const flush = () => { if (out.length) { ctx.out.write(out.join('')); out.length = 0; } };
      const probe = startEvents(def.spec, onEvent, { filter, options: opts as Parsed<S> });
      // One tick of the shared poller drains the ring and writes what it produced in one go.
      const offTick = poller.onTick(flush);
      try {
        for (const n of probe.notes) ctx.err.write(`netdx ${def.name}: ${n}\n`);
        if (!opts.json && !agg) ctx.out.write(layout.header() + '\n');
        ctx.err.write(`Tracing ${def.tracing}... Hit Ctrl-C to end.\n`);
        await untilStopped(ctx, duration);
      } finally {
        offTick();
        const lost = probe.stop(agg?.finish ? () => agg.finish!(probe) : undefined);
        flush();
        if (agg) ctx.out.write(opts.json ? agg.rows().map((r) => JSON.stringify(r) + '\n').join('') : agg.text());
        const nouns = def.nouns ?? { events: 'events', untracked: 'sockets not followed' };
        for (const l of lostLines(def.name, lost, probe.failed, nouns.events, nouns.untracked, probe.skipped())) ctx.err.write(l + '\n');
      }
      return 0;
  });
}

export interface IntervalToolDef<R, S extends OptionSpecs> extends ToolMeta {
  spec: IntervalSpec<R, Parsed<S>>;
  options: S;
  tracing: string;
  /** One interval's report as text (the CLI adds the -T time line). */
  render(r: R, opts: Parsed<S>): string;
  /** One interval's report as one JSON object (the CLI adds ts and interval_s). */
  json(r: R, opts: Parsed<S>): Record<string, unknown>;
  check?(opts: Parsed<S>): void;
}

/** A CLI for an interval tool: -i SECONDS -c COUNT, or one report at the end. */
export function intervalTool<R, S extends OptionSpecs>(def: IntervalToolDef<R, S>): ToolDef<OptionSpecs> {
  return bpfTool(def, {
    interval: { type: 'number', short: 'i', arg: 'SECONDS', help: 'print a report every SECONDS (default: one at the end)' },
    count: { type: 'int', short: 'c', arg: 'COUNT', help: 'stop after COUNT reports (0: until Ctrl-C)', default: 0 },
    time: { type: 'bool', short: 'T', help: 'print the time above each report' },
  }, async (opts, o, ctx, filter, duration) => {
      const interval = o.interval as number | undefined;
      const count = o.count as number;
      if (interval !== undefined) checkInterval(interval);
      if (!(count >= 0)) throw new NetdxError('E_USAGE', 'parsing -c: COUNT must be 0 or more');
      if (count > 0 && interval === undefined) throw new NetdxError('E_USAGE', 'parsing -c: a COUNT of reports needs -i SECONDS');
      const probe = startInterval(def.spec, { filter, options: opts as Parsed<S> });
      const print = (r: R) => {
        if (opts.json) {
          // interval_s: the measured length, for the final (partial) report too
          const secs = Math.round(probe.lastSeconds * 1000) / 1000;
          ctx.out.write(JSON.stringify({ ts: new Date(wallMsOf(process.hrtime.bigint())).toISOString(), interval_s: secs, ...def.json(r, opts as Parsed<S>) }) + '\n');
          return;
        }
        if (o.time) ctx.out.write(`${clockOf(process.hrtime.bigint())}\n`);
        ctx.out.write(def.render(r, opts as Parsed<S>));
      };
      let final: R | undefined;
      // The last, partial interval is a report of its own when Ctrl-C or -d ends the run (not
      // when -c's count of reports is reached).
      let cut = interval === undefined;
      try {
        for (const n of probe.notes) ctx.err.write(`netdx ${def.name}: ${n}\n`);
        ctx.err.write(`Tracing ${def.tracing}... ${interval === undefined ? 'Hit Ctrl-C to end.' : `Reporting every ${interval} s, Ctrl-C to end.`}\n`);
        const end = duration !== undefined ? Date.now() + duration * 1000 : Infinity;
        if (interval === undefined) await untilStopped(ctx, duration);
        else {
          for (let n = 0; count === 0 || n < count; n++) {
            const wait = Math.min(interval * 1000, end - Date.now());
            if (wait > 0) await sleep(wait, ctx.signal);
            if (ctx.signal.aborted || Date.now() >= end) { cut = true; break; }
            print(probe.sample());
          }
        }
      } finally {
        final = probe.stop();
      }
      if (cut) print(final);
      for (const l of lostLines(def.name, probe.lost(), 0, 'events', 'keys not aggregated', probe.skipped())) ctx.err.write(l + '\n');
      return 0;
  });
}

/** The second mode of a two-mode tool (eventsOrAggregates). */
export interface AggregateMode {
  /** Its bool option: the key, one letter, and help. */
  flag: { key: string; short: string; help: string };
  /** -i's help (-i needs the flag). */
  interval: string;
  /** What -i without the flag is told: 'reports every SECONDS need -c (counts per flow)'. */
  needs: string;
}

/**
 * One tool of two modes, whose help and probe are the events': `events` (an eventTool) by
 * default; with the mode's flag `aggregate` (an intervalTool): one report at the end, or one every
 * -i SECONDS.
 */
export function eventsOrAggregates(meta: ToolMeta, events: ToolDef<OptionSpecs>, aggregate: ToolDef<OptionSpecs>, mode: AggregateMode): ToolDef<OptionSpecs> {
  return defineTool<OptionSpecs>({
    ...meta,
    hooks: events.hooks,
    probe: events.probe,
    root: true,
    options: {
      ...events.options,
      [mode.flag.key]: { type: 'bool', short: mode.flag.short, help: mode.flag.help },
      interval: { type: 'number', short: 'i', arg: 'SECONDS', help: mode.interval },
    },
    run(opts: Parsed<OptionSpecs>, ctx: RunContext) {
      const o = opts as AnyOpts;
      if (o.interval !== undefined) checkInterval(o.interval as number);
      // reports until the end: no -c COUNT in this mode
      if (o[mode.flag.key]) return aggregate.run({ ...opts, count: 0 } as unknown as Parsed<OptionSpecs>, ctx);
      if (o.interval !== undefined) throw new NetdxError('E_USAGE', `parsing -i: ${mode.needs}`);
      return events.run(opts, ctx);
    },
  });
}

/** The -w option of tools with socket columns: full-width (IPv6) address columns. */
export const WIDE_OPTION = { wide: { type: 'bool', short: 'w', help: 'wide address columns (full IPv6 addresses line up)' } } as const satisfies OptionSpecs;

/** An event about one socket of one process. */
export interface SocketEvent { pid: number; comm: string; laddr: string; lport: number; raddr: string; rport: number }

/**
 * PID, COMM and both ends of a socket: the columns every socket event tool shows (pid 0 and an
 * empty comm: the owner is not known, shown as '-').
 */
export function socketColumns<E extends SocketEvent>(wide: boolean): Array<Column<E> & { width: number }> {
  const addr = wide ? 39 : 15;
  return [
    { header: 'PID', get: (e) => (e.pid ? e.pid : '-'), width: 7 },
    { header: 'COMM', get: (e) => e.comm || '-', width: 15 },
    { header: 'LADDR', get: (e) => e.laddr, width: addr },
    { header: 'LPORT', get: (e) => e.lport, align: 'right', width: 5 },
    { header: 'RADDR', get: (e) => e.raddr, width: addr },
    { header: 'RPORT', get: (e) => e.rport, align: 'right', width: 5 },
  ];
}

/** --summary of interval tools that print histograms under their table. */
export const SUMMARY_OPTION = { summary: { type: 'bool', help: 'the table only, no histograms' } } as const satisfies OptionSpecs;

/** Right-aligned columns of numbers, one per [header, field]. */
export function numberColumns<T>(fields: ReadonlyArray<readonly [string, keyof T & string]>): Array<Column<T>> {
  return fields.map(([header, key]) => ({ header, get: (row: T) => row[key] as number, align: 'right' as const }));
}

/** A row that names its owner: pid 0 and an empty comm when not known. */
export interface Owned { pid: number; comm: string }

/** PID and COMM columns ('-' when the owner is not known). */
export function ownerColumns<E extends Owned>(): Array<Column<E>> {
  return [
    { header: 'PID', get: (e) => (e.pid ? e.pid : '-') },
    { header: 'COMM', get: (e) => e.comm || '-' },
  ];
}

/** ", pid PID COMM" for a known owner, '' otherwise: the end of a histogram's title. */
export function ownerSuffix(o: Owned): string {
  return o.pid ? `, pid ${o.pid} ${o.comm}` : '';
}

/**
 * An interval tool's report as text: `empty` when there are no rows, else the table, then (unless
 * `summary`) each row's histogram under the title `title(row)` gives (rows it gives none skipped),
 * as BCC prints them.
 */
export function renderRowsWithHistograms<E extends { hist: Histogram }>(columns: ReadonlyArray<Column<E>>, rows: readonly E[],
  opts: { empty: string; summary?: boolean; title(row: E): string | undefined }): string {
  if (!rows.length) return `${opts.empty}\n`;
  const parts = [renderTable(columns, rows)];
  for (const r of opts.summary ? [] : rows) {
    const t = opts.title(r);
    if (t !== undefined) parts.push(`\n${t}\n${renderHistogram(r.hist)}`);
  }
  return parts.join('') + '\n';
}

/**
 * PID, COMM, the local port and the remote end in one column (`[v6]:port` for IPv6): a compact key
 * for tables of flows with many value columns (tcpcong, tcpnagle).
 */
export function flowColumns<E extends SocketEvent & { family: 4 | 6 }>(): Array<Column<E>> {
  return [
    { header: 'PID', get: (f) => f.pid || '-' },
    { header: 'COMM', get: (f) => f.comm || '-' },
    { header: 'LPORT', get: (f) => f.lport, align: 'right' },
    { header: 'RADDR:RPORT', get: (f) => (f.family === 6 ? `[${f.raddr}]:${f.rport}` : `${f.raddr}:${f.rport}`) },
  ];
}
