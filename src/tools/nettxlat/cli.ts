import { intervalTool, numberColumns, renderRowsWithHistograms, SUMMARY_OPTION } from '../../core/kit/cli.js';
import { INTERFACE_OPTION } from '../../core/kit/dev.js';
import type { Column } from '../../core/output.js';
import { NETTXLAT, type NetTxLatStat } from './lib.js';

const us = (ns: number) => (ns / 1e3).toFixed(1);

const COLUMNS: ReadonlyArray<Column<NetTxLatStat>> = [
  { header: 'NETNS', get: (s) => s.netns },
  { header: 'DEV', get: (s) => s.dev },
  { header: 'PACKETS', get: (s) => s.count, align: 'right' },
  { header: 'AVG_us', get: (s) => (s.count ? us(s.total_ns / s.count) : '-'), align: 'right' },
  { header: 'MAX_us', get: (s) => us(s.max_ns), align: 'right' },
  ...numberColumns<NetTxLatStat>([['OK', 'ok'], ['BUSY', 'busy'], ['FAILED', 'failed']]),
];

export default intervalTool({
  name: 'nettxlat',
  layer: 'device',
  summary: 'driver time per packet per interface (start_xmit to its return) and return codes',
  replaces: 'nettxlat (BPF Performance Tools), the driver part, per interface — on tracepoints only',
  spec: NETTXLAT,
  options: {
    ...INTERFACE_OPTION,
    nanoseconds: { type: 'bool', short: 'N', help: 'histograms in nanoseconds (default: microseconds)' },
    ...SUMMARY_OPTION,
  },
  tracing: 'device transmit time',
  examples: ['netdx nettxlat -i 5 -c 1', 'netdx nettxlat -I eth0 -N -d 10', 'netdx nettxlat --netns shop -i 1 --json'],
  render: (r, o) => renderRowsWithHistograms(COLUMNS, r.devices, {
    empty: 'no packet transmitted in this interval', summary: o.summary, title: (s) => `dev = ${s.dev}`,
  }),
  json: (r) => ({ devices: r.devices }),
});
