// The CLI of a syscall event tool (core/kit/sys.ts), written once: -x, the NDJSON line, the
// event's own time for -T, and the columns every such tool begins with (PID, COMM, PROTO) and ends with
// (LAT_MS, RESULT) around its own.
import { ndjson, type Column } from '../output.js';
import type { Layer, OptionSpecs, ToolDef } from '../tool.js';
import { eventTool } from './cli.js';
import type { EventSpec } from './events.js';
import { SYSCALL_NOUNS, SYSCALL_OPTIONS, type SyscallEvent, type SyscallOptions } from './sys.js';

export interface SyscallToolDef<E extends SyscallEvent> {
  name: string;
  layer: Layer;
  summary: string;
  replaces?: string;
  examples?: readonly string[];
  spec: EventSpec<E, SyscallOptions>;
  /** "Tracing <what>... Hit Ctrl-C to end." */
  tracing: string;
  /** The tool's own columns, between PROTO and LAT_MS. */
  columns: ReadonlyArray<Column<E> & { width?: number }>;
}

export function syscallTool<E extends SyscallEvent>(def: SyscallToolDef<E>): ToolDef<OptionSpecs> {
  return eventTool({
    ...def,
    options: SYSCALL_OPTIONS,
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
