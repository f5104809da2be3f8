import { intervalTool, socketColumns, WIDE_OPTION } from '../../core/kit/cli.js';
import { tcpEventTool } from '../../core/kit/tcpev.js';
import { NetdxError } from '../../core/errors.js';
import { renderTable, type Column } from '../../core/output.js';
import { checkInterval } from '../../core/time.js';
import { defineTool, type OptionSpecs, type Parsed, type RunContext } from '../../core/tool.js';
import { TCPRETRANS, TCPRETRANS_COUNTS, type RetransFlow } from './lib.js';

const meta = {
  name: 'tcpretrans',
  layer: 'transport',
  summary: 'each TCP retransmit: process, flow, state and kind (fast, RTO, loss probe)',
  replaces: 'tcpretrans (BCC, libbpf-tools) — on tracepoints, with the owner and the kind',
  examples: ['netdx tcpretrans', 'netdx tcpretrans -D 443 -T', 'netdx tcpretrans -c -i 5 --netns blue', 'netdx tcpretrans --json'],
} as const;

// pid '-': a socket no process was seen to own (opened before the trace, never used since)
const events = tcpEventTool({
  ...meta,
  spec: TCPRETRANS,
  tracing: 'TCP retransmits',
  nouns: { events: 'retransmits', untracked: 'sockets not followed' },
  columns: () => [
    { header: 'KIND', get: (e) => (e.err ? `${e.kind}!` : e.kind), width: 5 },
    { header: 'SEGS', get: (e) => e.segs, align: 'right', width: 4 },
  ],
});

const COUNT_COLUMNS = (wide: boolean): ReadonlyArray<Column<RetransFlow>> => [
  ...socketColumns<RetransFlow>(wide),
  { header: 'SEGS', get: (f) => f.segs.total, align: 'right' },
  { header: 'TLP', get: (f) => f.events.TLP, align: 'right' },
  { header: 'RTO', get: (f) => f.events.RTO, align: 'right' },
  { header: 'FAST', get: (f) => f.events.FAST, align: 'right' },
  { header: 'LOSS', get: (f) => f.events.LOSS, align: 'right' },
];

const counts = intervalTool({
  ...meta,
  spec: TCPRETRANS_COUNTS,
  options: WIDE_OPTION,
  tracing: 'TCP retransmits (counting per flow)',
  render: (r, o) => renderTable(COUNT_COLUMNS(!!o.wide), r.flows) + '\n',
  json: (r) => ({ flows: r.flows }),
});

type Opts = Record<string, unknown>;

// The events by default; -c counts per flow in the kernel, one table at the end or every -i.
export default defineTool<OptionSpecs>({
  ...meta,
  hooks: events.hooks,
  probe: events.probe,
  root: true,
  options: {
    ...events.options,
    counts: { type: 'bool', short: 'c', help: 'count per flow in the kernel: a table at the end, or every -i SECONDS' },
    interval: { type: 'number', short: 'i', arg: 'SECONDS', help: 'with -c: a table every SECONDS' },
  },
  run(opts: Parsed<OptionSpecs>, ctx: RunContext) {
    const o = opts as unknown as Opts;
    if (o.interval !== undefined) checkInterval(o.interval as number);
    if (o.counts) return counts.run({ ...opts, count: 0 } as unknown as Parsed<OptionSpecs>, ctx);
    if (o.interval !== undefined) throw new NetdxError('E_USAGE', 'parsing -i: reports every SECONDS need -c (counts per flow)');
    return events.run(opts, ctx);
  },
});
