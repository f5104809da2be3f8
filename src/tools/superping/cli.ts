import { eventsOrAggregates, eventTool, intervalTool, renderRowsWithHistograms, type ToolMeta } from '../../core/kit/cli.js';
import { ndjson, type Column } from '../../core/output.js';
import { SUPERPING, SUPERPING_HIST, type PingDest } from './lib.js';

const meta: ToolMeta = {
  name: 'superping', layer: 'ip', summary: 'kernel-timed ICMP/ICMPv6 echo round trips of any pinger, per reply or histograms',
  replaces: 'superping (BPF Performance Tools, kprobes) — on net tracepoints, IPv6 too',
  examples: ['netdx superping', 'netdx superping -6 --netns blue -T', 'netdx superping -H -i 10', 'netdx superping --json'],
};

const ms = (us: number) => (us / 1000).toFixed(3);

const events = eventTool({
  ...meta,
  spec: SUPERPING,
  options: {},
  tracing: 'ICMP echo round trips',
  nouns: { events: 'replies', untracked: 'requests not followed' },
  columns: () => [
    { header: 'DEV', get: (e) => e.dev, width: 8 },
    { header: 'DADDR', get: (e) => e.daddr, width: 15 },
    { header: 'ID', get: (e) => e.id, align: 'right', width: 5 },
    { header: 'SEQ', get: (e) => e.seq, align: 'right', width: 5 },
    { header: 'TTL', get: (e) => e.ttl, align: 'right', width: 3 },
    { header: 'RTT_MS', get: (e) => ms(e.rtt_us), align: 'right', width: 9 },
  ],
  json: (e) => ndjson(e),
  time: (e) => e.ts_ns,
});

const DESTS: ReadonlyArray<Column<PingDest>> = [
  { header: 'NETNS', get: (d) => d.netns },
  { header: 'DADDR', get: (d) => d.daddr },
  { header: 'REPLIES', get: (d) => d.count, align: 'right' },
  { header: 'MIN_MS', get: (d) => ms(d.min_us), align: 'right' },
  { header: 'AVG_MS', get: (d) => ms(d.avg_us), align: 'right' },
  { header: 'MAX_MS', get: (d) => ms(d.max_us), align: 'right' },
];

const hists = intervalTool({
  ...meta,
  spec: SUPERPING_HIST,
  options: {},
  tracing: 'ICMP echo round trips (histograms per destination)',
  render: (r) => renderRowsWithHistograms(DESTS, r.dests, {
    empty: 'no echo reply matched', title: (d) => `round trips to ${d.daddr} (netns ${d.netns}):`,
  }),
  json: (r) => ({ dests: r.dests }),
});

// One line per reply by default; -H aggregates per destination in the kernel: histograms at the
// end, or every -i.
export default eventsOrAggregates(meta, events, hists, {
  flag: { key: 'hist', short: 'H', help: 'RTT histograms per destination: at the end, or every -i SECONDS' },
  interval: 'with -H: histograms every SECONDS',
  needs: 'histograms every SECONDS need -H',
});
