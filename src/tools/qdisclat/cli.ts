import { intervalTool, renderRowsWithHistograms, SUMMARY_OPTION } from '../../core/kit/cli.js';
import { INTERFACE_OPTION } from '../../core/kit/dev.js';
import type { Column } from '../../core/output.js';
import { QDISCLAT, type QdiscCounters, type QdiscLatStat } from './lib.js';

function columns(ms: boolean): ReadonlyArray<Column<QdiscLatStat>> {
  const [u, div] = ms ? ['ms', 1e6] : ['us', 1e3];
  const stat = (header: string, k: keyof QdiscCounters): Column<QdiscLatStat> => ({ header, get: (s) => (s.stats ? s.stats[k] : '-'), align: 'right' });
  return [
    { header: 'NETNS', get: (s) => s.netns },
    { header: 'DEV', get: (s) => s.dev },
    { header: 'QDISC', get: (s) => `${s.kind} ${s.handle}` },
    { header: 'PARENT', get: (s) => s.parent },
    { header: 'PACKETS', get: (s) => s.packets, align: 'right' },
    { header: `AVG_${u}`, get: (s) => (s.packets ? (s.total_ns / s.packets / div).toFixed(1) : '-'), align: 'right' },
    { header: `MAX_${u}`, get: (s) => (s.packets ? (s.max_ns / div).toFixed(1) : '-'), align: 'right' },
    stat('DROPS', 'drops'), stat('OVERLIM', 'overlimits'), stat('BACKLOG', 'backlog'),
  ];
}

export default intervalTool({
  name: 'qdisclat',
  layer: 'queueing',
  summary: 'time packets wait in each qdisc: log2 histograms, with its drops and overlimits',
  replaces: 'qdisc-fq.bt etc. (BPF Performance Tools: kprobes per kind), any kind — on tracepoints',
  spec: QDISCLAT,
  options: {
    ...INTERFACE_OPTION,
    milliseconds: { type: 'bool', short: 'm', help: 'times in milliseconds (default: microseconds)' },
    ...SUMMARY_OPTION,
  },
  tracing: 'qdisc queueing time',
  examples: ['netdx qdisclat -i 5 -c 1', 'netdx qdisclat -I eth0 -m -d 10', 'netdx qdisclat --netns shop -i 1 --json'],
  render: (r, o) => renderRowsWithHistograms(columns(!!o.milliseconds), r.qdiscs, {
    empty: 'no packet queued in a qdisc in this interval', summary: o.summary,
    title: (s) => (s.packets ? `dev = ${s.dev}, qdisc ${s.kind} ${s.handle} (parent ${s.parent})` : undefined),
  }),
  json: (r) => ({ qdiscs: r.qdiscs }),
});
