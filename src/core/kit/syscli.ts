// The CLI of a syscall event tool (core/kit/sys.ts), written once: -x, "Tracing connect() calls", the NDJSON line, the
// event's own time for -T, and the columns every such tool begins with (PID, COMM, PROTO) and ends with
// (LAT_MS, RESULT) around its own.
import { ndjson, type Column } from '../output.js';
import type { Layer, OptionSpecs, ToolDef } from '../tool.js';
import { renderHistogram } from '../hist.js';
import { eventTool, intervalTool } from './cli.js';
import type { IntervalSpec } from './interval.js';
import { SYSCALL_NOUNS, SYSCALL_OPTIONS, type ConnectEvent, type SyscallEvent, type SyscallHistOptions, type SyscallHistReport, type SyscallSpec } from './sys.js';

export interface SyscallToolDef<E extends SyscallEvent> {
  /** Default 'socket'. */
  layer?: Layer;
  summary: string;
  replaces?: string;
  /** An example of the tool's own, shown between the shared ones. */
  example?: string;
  /** The tool's own columns, between PROTO and LAT_MS. */
  columns: ReadonlyArray<Column<E> & { width?: number }>;
}

/** The CLI of the syscall tool whose probe is `spec` (the tool is named after it). */
export function syscallTool<E extends SyscallEvent>(spec: SyscallSpec<E>, def: SyscallToolDef<E>): ToolDef<OptionSpecs> {
  const name = spec.name;
  return eventTool({
    name, layer: def.layer ?? 'socket', summary: def.summary, replaces: def.replaces, spec,
    examples: [`netdx ${name}`, `netdx ${name} -x -T`, ...(def.example ? [def.example] : []), `netdx ${name} --netns NAME --json`],
    options: SYSCALL_OPTIONS,
    tracing: `${spec.calls.map((c) => `${c}()`).join(', ')} calls`,
    nouns: SYSCALL_NOUNS,
    columns: () => [
      { header: 'PID', get: (e: E) => e.pid, width: 7 },
      { header: 'COMM', get: (e: E) => e.comm || '-', width: 15 },
      { header: 'PROTO', get: (e: E) => e.proto, width: 11 },
      ...def.columns,
      { header: 'LAT_MS', get: (e: E) => e.latency_ms.toFixed(3), align: 'right', width: 8 },
      { header: 'RESULT', get: (e: E) => e.result },
    ],
    json: (e) => ndjson(e),
    time: (e) => e.ts_ns,
  });
}

/** The columns of a connect event tool (ConnectEvent), DADDR as `daddr` gives it. */
export function connectColumns<E extends ConnectEvent>(daddr: (e: E) => string = (e) => e.daddr): ReadonlyArray<Column<E> & { width?: number }> {
  return [
    { header: 'FD', get: (e) => e.fd, align: 'right', width: 4 },
    { header: 'DADDR', get: daddr, width: 15 },
    { header: 'DPORT', get: (e) => e.dport || '-', align: 'right', width: 5 },
    { header: 'LPORT', get: (e) => e.lport || '-', align: 'right', width: 5 },
  ];
}

export interface SyscallHistToolDef {
  summary: string;
  replaces?: string;
  examples: readonly string[];
  /** "Tracing <what>..." and the histograms' titles: 'connect latency'. */
  what: string;
  /** What one count is: 'connects'. */
  unit: string;
  /** The text's word for result 'failed' (default 'failed'). */
  failed?: string;
}

/** The CLI of a latency tool (SyscallHistReport): -P, a BCC-style histogram per process and result. */
export function syscallHistTool(spec: IntervalSpec<SyscallHistReport, SyscallHistOptions>, def: SyscallHistToolDef): ToolDef<OptionSpecs> {
  return intervalTool({
    name: spec.name, layer: 'socket', summary: def.summary, replaces: def.replaces, examples: def.examples, spec,
    options: { pids: { type: 'bool', short: 'P', help: 'a histogram per process' } },
    tracing: def.what,
    render(r) {
      if (!r.hists.length) return `no ${def.unit}\n`;
      return r.hists.map((h) => {
        const who = h.pid ? `pid ${h.pid} (${h.comm}), ` : '';
        return `${def.what}, ${who}${h.result === 'failed' ? def.failed ?? 'failed' : 'OK'}: ${h.count} ${def.unit}, average ${(h.total_ns / h.count / 1e6).toFixed(3)} ms\n${renderHistogram(h.hist)}`;
      }).join('\n') + '\n';
    },
    json: (r) => ({ hists: r.hists }),
  });
}
