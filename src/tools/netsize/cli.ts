import { intervalTool, numberColumns, renderRowsWithHistograms, SUMMARY_OPTION } from '../../core/kit/cli.js';
import { INTERFACE_OPTION } from '../../core/kit/dev.js';
import type { Column } from '../../core/output.js';
import { NETSIZE, type NetSizeStat } from './lib.js';

const COLUMNS: ReadonlyArray<Column<NetSizeStat>> = [
  { header: 'NETNS', get: (s) => s.netns },
  { header: 'DEV', get: (s) => s.dev },
  { header: 'DIR', get: (s) => s.dir },
  ...numberColumns<NetSizeStat>([['PACKETS', 'packets'], ['BYTES', 'bytes']]),
  { header: 'AVG', get: (s) => (s.packets ? Math.round(s.bytes / s.packets) : 0), align: 'right' },
  { header: 'SEGS', get: (s) => s.segs, align: 'right' },
];

export default intervalTool({
  name: 'netsize',
  layer: 'device',
  summary: 'sizes of the packets each interface receives and transmits: log2 histograms',
  replaces: 'netsize (BCC, bpftrace), per interface and namespace — on tracepoints only',
  spec: NETSIZE,
  options: { ...INTERFACE_OPTION, ...SUMMARY_OPTION },
  tracing: 'packet sizes per interface',
  examples: ['netdx netsize -i 5 -c 1', 'netdx netsize -I eth0 -d 10 --summary', 'netdx netsize --netns shop -i 1 --json'],
  render: (r, o) => renderRowsWithHistograms(COLUMNS, r.sizes, {
    empty: 'no packet received or sent in this interval', summary: o.summary,
    title: (s) => `dev = ${s.dev}, ${s.dir === 'rx' ? 'received (from the network header)' : 'sent (from the link-layer header)'}`,
  }),
  json: (r) => ({ sizes: r.sizes }),
});
