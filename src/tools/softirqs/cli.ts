import { intervalTool } from '../../core/kit/cli.js';
import { renderHistogram } from '../../core/hist.js';
import { renderTable, type Column } from '../../core/output.js';
import { SOFTIRQS, type SoftirqStat } from './lib.js';

const COLUMNS: ReadonlyArray<Column<SoftirqStat>> = [
  { header: 'SOFTIRQ', get: (s) => s.vec },
  { header: 'CPU', get: (s) => s.cpu, align: 'right' },
  { header: 'COUNT', get: (s) => s.count, align: 'right' },
  { header: 'TOTAL_us', get: (s) => (s.total_ns / 1e3).toFixed(1), align: 'right' },
  { header: 'AVG_us', get: (s) => (s.total_ns / 1e3 / s.count).toFixed(2), align: 'right' },
];

export default intervalTool({
  name: 'softirqs',
  layer: 'device',
  summary: 'NET_RX and NET_TX softirq time per CPU: counts, totals and log2 histograms',
  replaces: 'softirqs -d (BCC, libbpf-tools), per CPU — on tracepoints only',
  spec: SOFTIRQS,
  options: {
    all: { type: 'bool', help: 'every softirq vector (TIMER, RCU, ...), not only NET_RX and NET_TX' },
    cpu: { type: 'int', arg: 'CPU', help: 'only this CPU' },
    summary: { type: 'bool', help: 'the table only, no histograms' },
  },
  tracing: 'softirq time',
  examples: ['netdx softirqs -i 1', 'netdx softirqs -d 10 --summary', 'netdx softirqs --all --cpu 0 -i 5 -c 3 --json'],
  render(r, o) {
    let out = renderTable(COLUMNS, r.softirqs);
    if (!o.summary) for (const s of r.softirqs) out += `\nsoftirq = ${s.vec}, cpu = ${s.cpu}\n${renderHistogram(s.hist)}`;
    return out + '\n';
  },
  json: (r) => ({ softirqs: r.softirqs }),
});
