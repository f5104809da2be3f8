import { flowColumns, intervalTool } from '../../core/kit/cli.js';
import { renderTable, type Column } from '../../core/output.js';
import { TCPCONG, type TcpCongFlow } from './lib.js';

const ms = (v: number) => v.toFixed(v >= 100 ? 0 : 1);

const STATES: ReadonlyArray<Column<TcpCongFlow>> = [
  { header: 'OPEN_ms', get: (f) => ms(f.ms.open), align: 'right' },
  { header: 'DISORD_ms', get: (f) => ms(f.ms.disorder), align: 'right' },
  { header: 'CWR_ms', get: (f) => ms(f.ms.cwr), align: 'right' },
  { header: 'RECOV_ms', get: (f) => ms(f.ms.recovery), align: 'right' },
  { header: 'LOSS_ms', get: (f) => ms(f.ms.loss), align: 'right' },
  { header: 'CHGS', get: (f) => f.enters.open + f.enters.disorder + f.enters.cwr + f.enters.recovery + f.enters.loss, align: 'right' },
];

export default intervalTool({
  name: 'tcpcong',
  layer: 'transport',
  summary: 'time per TCP flow in each congestion state: Open, Disorder, CWR, Recovery, Loss',
  replaces: 'tcpcong (BCC) — on tracepoints, per flow with its owner, or in total',
  spec: TCPCONG,
  options: {
    total: { type: 'bool', help: 'one row adding every flow up' },
  },
  tracing: 'TCP congestion states',
  examples: ['netdx tcpcong -i 1', 'netdx tcpcong -L 443 -d 10', 'netdx tcpcong --total -i 5 --json'],
  render(r, o) {
    if (!r.flows.length) return 'No TCP flows.\n';
    return renderTable(o.total ? STATES : [...flowColumns<TcpCongFlow>(), ...STATES], r.flows) + '\n';
  },
  json: (r) => ({ flows: r.flows }),
});
