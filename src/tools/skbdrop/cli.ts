import { ownerColumns } from '../../core/kit/cli.js';
import { LISTEN_OVERFLOW_SYN, reasonFilter } from '../../core/kit/drop.js';
import { summaryOrEventsTool } from '../../core/kit/modes.js';
import { ndjson, renderTable, type Column } from '../../core/output.js';
import type { OptionSpecs } from '../../core/tool.js';
import { groupDrops, SKBDROP, SKBDROP_EVENTS, type SkbDrop, type SkbDropEvent } from './lib.js';

const OPTIONS = {
  reason: { type: 'strings', arg: 'NAME[,..]', help: `only these reasons (in enum skb_drop_reason, or ${LISTEN_OVERFLOW_SYN})` },
  syn: { type: 'bool', help: `also count SYNs refused by a full accept queue (${LISTEN_OVERFLOW_SYN})` },
} as const satisfies OptionSpecs;

const proto = (d: { protocol: string; ipproto: string }) => (d.ipproto ? `${d.protocol}/${d.ipproto}` : d.protocol);
const port = (d: { lport: number }) => d.lport || '-';
const hostPort = (a: string, p: number) => (!a ? '-' : p ? (a.includes(':') ? `[${a}]:${p}` : `${a}:${p}`) : a);

const SUMMARY: ReadonlyArray<Column<SkbDrop>> = [
  { header: 'COUNT', get: (d) => d.count, align: 'right' },
  { header: 'REASON', get: (d) => d.reason },
  { header: 'LOCATION', get: (d) => d.location, cap: 30 },
  { header: 'PROTO', get: proto },
  { header: 'NETNS', get: (d) => d.netns || '-' },
  { header: 'PORT', get: port, align: 'right' },
  ...ownerColumns<SkbDrop>(),
];

// The summary by default; --events: one line per drop.
export default summaryOrEventsTool({
  name: 'skbdrop',
  layer: 'ip',
  summary: 'dropped packets, any protocol, by kernel reason and place: namespace, port, process',
  replaces: 'dropwatch, bpftrace/BCC kfree_skb scripts, nstat drop counters — with the reasons',
  examples: ['netdx skbdrop -i 1', 'netdx skbdrop --netns shop --reason NO_SOCKET,SOCKET_RCVBUFF -d 10',
    'netdx skbdrop --events -L 53', 'netdx skbdrop --syn -L 8080', 'netdx skbdrop --json -i 5 -c 3'],
  options: OPTIONS,
  check: (o) => { reasonFilter('--reason', o.reason, [LISTEN_OVERFLOW_SYN]); },
  counts: {
    spec: SKBDROP,
    tracing: 'packet drops (counting by reason and place)',
    render: (r) => (r.drops.length ? renderTable(SUMMARY, r.drops) : 'no drop in this interval\n'),
    // one object per (reason, location, protocol); where they fell in `places`
    json: (r) => ({ drops: groupDrops(r.drops) }),
  },
  events: {
    spec: SKBDROP_EVENTS,
    tracing: 'packet drops',
    nouns: { events: 'drops', untracked: 'drops not counted' },
    columns: () => [
      { header: 'PID', get: (e: SkbDropEvent) => e.pid || '-', width: 7 },
      { header: 'REASON', get: (e: SkbDropEvent) => e.reason, width: 14 },
      { header: 'LOCATION', get: (e: SkbDropEvent) => e.location, width: 21 },
      { header: 'PROTO', get: proto, width: 8 },
      { header: 'DEV', get: (e: SkbDropEvent) => e.dev || '-', width: 4 },
      { header: 'SOURCE', get: (e: SkbDropEvent) => hostPort(e.saddr, e.sport), width: 19 },
      { header: 'DESTINATION', get: (e: SkbDropEvent) => hostPort(e.daddr, e.dport) },
    ],
    json: (e) => ndjson(e),
    time: (e) => e.ts_ns,
  },
});
