import { flowColumns, intervalTool } from '../../core/kit/cli.js';
import { renderHistogram } from '../../core/hist.js';
import { renderTable, type Column } from '../../core/output.js';
import { TCPNAGLE, type TcpNagleFlow } from './lib.js';

const COLUMNS: ReadonlyArray<Column<TcpNagleFlow>> = [
  ...flowColumns<TcpNagleFlow>(),
  { header: 'HOLDS', get: (f) => f.holds, align: 'right' },
  { header: 'TOTAL_ms', get: (f) => f.total_ms.toFixed(3), align: 'right' },
  { header: 'AVG_ms', get: (f) => (f.total_ms / f.holds).toFixed(3), align: 'right' },
  { header: 'MAX_ms', get: (f) => f.max_ms.toFixed(3), align: 'right' },
];

export default intervalTool({
  name: 'tcpnagle',
  layer: 'transport',
  summary: 'how long Nagle holds small TCP writes back, per socket, with a log2 histogram',
  replaces: 'tcpnagle (BPF Performance Tools) — on tracepoints, not a kprobe on tcp_write_xmit',
  examples: ['netdx tcpnagle -i 5', 'netdx tcpnagle -p 1234 -d 10', 'netdx tcpnagle -D 6379 --json'],
  spec: TCPNAGLE,
  tracing: 'Nagle holds',
  options: { summary: { type: 'bool', help: 'the table only, no histogram' } },
  render(r, o) {
    if (!r.flows.length) return 'No Nagle holds.\n';
    return renderTable(COLUMNS, r.flows) + (o.summary ? '' : `\nNagle holds\n${renderHistogram(r.hist)}`) + '\n';
  },
  json: (r) => ({ flows: r.flows, hist: r.hist }),
});
