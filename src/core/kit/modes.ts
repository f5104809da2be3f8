// A tool with two ways to run: a summary aggregated in the kernel (the default: an interval tool,
// -i and -c) and, with --events, one line per event (an event tool, -T). Both CLIs come from the
// kit (cli.ts); this gives them one name, one set of options and one help.
import { NetdxError } from '../errors.js';
import type { OptionSpecs, Parsed, RunContext, ToolDef } from '../tool.js';

const EVENTS_OPTION = { events: { type: 'bool', help: 'one line per event instead of the summary' } } as const satisfies OptionSpecs;

/**
 * The tool of `summary` (its name, layer, summary line, probe and options), with --events running
 * `events` (same options, -i and -c refused with it).
 */
export function summaryOrEventsTool(summary: ToolDef<OptionSpecs>, events: ToolDef<OptionSpecs>): ToolDef<OptionSpecs> {
  return {
    ...summary,
    options: {
      ...summary.options, ...events.options, ...EVENTS_OPTION,
      ...(summary.options.time && events.options.time ? { time: { ...summary.options.time, help: 'print the time above each report (--events: a column)' } } : {}),
    },
    run(opts: Parsed<OptionSpecs>, ctx: RunContext) {
      const o = opts as unknown as Record<string, unknown>;
      if (!o.events) return summary.run(opts, ctx);
      for (const [flag, k] of [['-i', 'interval'], ['-c', 'count']] as const) {
        if (o[k] !== undefined && o[k] !== 0) throw new NetdxError('E_USAGE', `parsing ${flag}: --events prints each event as it comes (no intervals)`);
      }
      return events.run(opts, ctx);
    },
  };
}
