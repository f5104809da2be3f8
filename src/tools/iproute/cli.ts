import { ownerColumns } from '../../core/kit/cli.js';
import { summaryOrEventsTool } from '../../core/kit/modes.js';
import { ndjson, renderTable, type Column } from '../../core/output.js';
import type { OptionSpecs } from '../../core/tool.js';
import { IPROUTE, IPROUTE_EVENTS, type IpRouteEvent, type IpRouteFailure } from './lib.js';

const OPTIONS = {
  interface: { type: 'string', short: 'I', arg: 'IFACE', help: 'only failures on this device (route lookups have none)' },
} as const satisfies OptionSpecs;

type Row = Omit<IpRouteFailure, 'count'>;

function columns<R extends Row>(): Array<Column<R>> {
  return [
    { header: 'KIND', get: (f) => f.kind },
    { header: 'DETAIL', get: (f) => f.detail || '-' },
    { header: 'DESTINATION', get: (f) => f.daddr, cap: 25 },
    { header: 'DEV', get: (f) => f.dev || '-' },
    { header: 'NETNS', get: (f) => f.netns || '-' },
    ...ownerColumns<R>(),
  ];
}

// The summary by default; --events: one line per failure.
export default summaryOrEventsTool({
  name: 'iproute',
  layer: 'ip',
  summary: 'route and neighbour failures: no route, ARP/NDP unanswered, dead entries, table full',
  replaces: 'ip route get, ip neigh and IpOutNoRoutes, live: on fib, neigh and kfree_skb tracepoints',
  examples: ['netdx iproute -i 1', 'netdx iproute --netns shop -d 10', 'netdx iproute --events -I eth0', 'netdx iproute --json -i 5 -c 3'],
  options: OPTIONS,
  counts: {
    spec: IPROUTE,
    tracing: 'route and neighbour failures (counting)',
    render: (r) => (r.failures.length
      ? renderTable<IpRouteFailure>([{ header: 'COUNT', get: (f) => f.count, align: 'right' }, ...columns<IpRouteFailure>()], r.failures)
      : 'no route or neighbour failure in this interval\n'),
    json: (r) => ({ failures: r.failures }),
  },
  events: {
    spec: IPROUTE_EVENTS,
    tracing: 'route and neighbour failures',
    nouns: { events: 'failures', untracked: 'failures not counted' },
    columns: () => columns<IpRouteEvent>().map((c, i) => ({ ...c, width: [16, 16, 15, 5, 10, 7, 15][i] })),
    json: (e) => ndjson(e),
    time: (e) => e.ts_ns,
  },
});
