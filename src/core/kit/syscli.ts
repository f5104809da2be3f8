// The CLI of a syscall event tool (core/kit/sys.ts), written once: -x, "Tracing connect() calls", the NDJSON line, the
// event's own time for -T, and the columns every such tool begins with (PID, COMM, PROTO) and ends with
// (LAT_MS, RESULT) around its own.
import { ndjson, type Column } from '../output.js';
import type { Layer, OptionSpecs, ToolDef } from '../tool.js';
import { eventTool } from './cli.js';
import { SYSCALL_NOUNS, SYSCALL_OPTIONS, type SyscallEvent, type SyscallSpec } from './sys.js';

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

