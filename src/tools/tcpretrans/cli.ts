import { eventsOrAggregates, intervalTool, socketColumns, WIDE_OPTION } from '../../core/kit/cli.js';
import { tcpEventTool } from '../../core/kit/tcpev.js';
import { renderTable, type Column } from '../../core/output.js';
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

// The events by default; -c counts per flow in the kernel, one table at the end or every -i.
export default eventsOrAggregates(meta, events, counts, {
  flag: { key: 'counts', short: 'c', help: 'count per flow in the kernel: a table at the end, or every -i SECONDS' },
  interval: 'with -c: a table every SECONDS',
  needs: 'reports every SECONDS need -c (counts per flow)',
});
