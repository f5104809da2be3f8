import { intervalTool, numberColumns, renderRowsWithHistograms } from '../../core/kit/cli.js';
import { INTERFACE_OPTION } from '../../core/kit/dev.js';
import type { Column } from '../../core/output.js';
import type { OptionSpecs } from '../../core/tool.js';
import { NAPI, type NapiReport, type NapiStat } from './lib.js';

const COLUMNS: ReadonlyArray<Column<NapiStat>> = [
  { header: 'NETNS', get: (s) => s.netns || '-' },
  { header: 'DEV', get: (s) => s.dev },
  { header: 'CPU', get: (s) => s.cpu, align: 'right' },
  ...numberColumns<NapiStat>([['POLLS', 'polls'], ['WORK', 'work']]),
  { header: 'AVG', get: (s) => (s.polls ? (s.work / s.polls).toFixed(1) : '0.0'), align: 'right' },
  ...numberColumns<NapiStat>([['EXHAUSTED', 'exhausted']]),
  { header: 'EXH%', get: (s) => (s.polls ? ((100 * s.exhausted) / s.polls).toFixed(1) : '0.0'), align: 'right' },
  ...numberColumns<NapiStat>([['BUDGET', 'budget']]),
];

const OPTIONS = {
  ...INTERFACE_OPTION,
  hist: { type: 'bool', short: 'H', help: 'a log2 histogram of work per poll under the table, per device and CPU' },
} as const satisfies OptionSpecs;

export default intervalTool<NapiReport, typeof OPTIONS>({
  name: 'napi',
  layer: 'device',
  summary: 'NAPI polls per device and CPU: packets per poll, polls that ran out of budget',
  replaces: 'napi_poll one-liners (bpftrace), /proc/net/softnet_stat time_squeeze — per device and CPU',
  spec: NAPI,
  options: OPTIONS,
  json: (r) => ({ napi: r.napi }),
  render: (r, o) => renderRowsWithHistograms(COLUMNS, r.napi, {
    empty: 'no NAPI poll in this interval', summary: !o.hist,
    title: (s) => `dev = ${s.dev}${s.netns ? ` (netns ${s.netns})` : ''}, cpu = ${s.cpu}`,
  }),
  tracing: 'NAPI polls',
  examples: ['netdx napi -i 1', 'netdx napi --netns shop -I eth0 -H -d 10', 'netdx napi -i 5 -c 3 --json'],
});
