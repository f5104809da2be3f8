// A tool with two ways to run: a summary aggregated in the kernel (the default: an interval tool,
// -i and -c) and, with --events, one line per event (an event tool, -T a column). Both CLIs come
// from the kit (cli.ts); this gives them one name, one set of options and one help.
import { NetdxError } from '../errors.js';
import type { Layer, OptionSpecs, Parsed, RunContext, ToolDef } from '../tool.js';
import { eventTool, intervalTool, type EventToolDef, type IntervalToolDef } from './cli.js';

const EVENTS_OPTION = { events: { type: 'bool', help: 'one line per event instead of the summary' } } as const satisfies OptionSpecs;

type Shared = 'name' | 'layer' | 'summary' | 'replaces' | 'examples' | 'options' | 'check';

export interface SummaryOrEventsDef<R, E, S extends OptionSpecs> {
  name: string;
  layer: Layer;
  summary: string;
  replaces?: string;
  examples?: readonly string[];
  /** The tool's own options, for both ways. */
  options: S;
  check?(opts: Parsed<S>): void;
  /** The default: the in-kernel summary. */
  counts: Omit<IntervalToolDef<R, S>, Shared>;
  /** --events. */
  events: Omit<EventToolDef<E, S>, Shared>;
}

/** The tool: the summary by default, --events for each event (-i and -c refused with it). */
export function summaryOrEventsTool<R, E, S extends OptionSpecs>(def: SummaryOrEventsDef<R, E, S>): ToolDef<OptionSpecs> {
  const { counts, events, ...meta } = def;
  const summary = intervalTool<R, S>({ ...meta, ...counts });
  const each = eventTool<E, S>({ ...meta, ...events });
  return {
    ...summary,
    options: {
      ...summary.options, ...each.options, ...EVENTS_OPTION,
      time: { ...summary.options.time!, help: 'print the time above each report (--events: a column)' },
    },
    run(opts: Parsed<OptionSpecs>, ctx: RunContext) {
      const o = opts as unknown as Record<string, unknown>;
      if (!o.events) return summary.run(opts, ctx);
      for (const [flag, k] of [['-i', 'interval'], ['-c', 'count']] as const) {
        if (o[k] !== undefined && o[k] !== 0) throw new NetdxError('E_USAGE', `parsing ${flag}: --events prints each event as it comes (no intervals)`);
      }
      return each.run(opts, ctx);
    },
  };
}
