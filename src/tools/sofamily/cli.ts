import { intervalTool } from '../../core/kit/cli.js';
import { renderTable, type Column } from '../../core/output.js';
import { SOFAMILY, type SoFamilyStat } from './lib.js';

const COLUMNS: ReadonlyArray<Column<SoFamilyStat>> = [
  { header: 'PID', get: (s) => s.pid },
  { header: 'COMM', get: (s) => s.comm || '-' },
  { header: 'CALL', get: (s) => s.call },
  { header: 'FAMILY', get: (s) => s.family },
  { header: 'CALLS', get: (s) => s.calls, align: 'right' },
  { header: 'FAILED', get: (s) => s.failed, align: 'right' },
];

export default intervalTool({
  name: 'sofamily',
  layer: 'socket',
  summary: 'connect() and accept() calls by process and address family, with the failed ones',
  replaces: 'sofamily.bt (BPF Performance Tools) — with accept by family and failures',
  spec: SOFAMILY,
  options: {},
  tracing: 'connect and accept calls',
  examples: ['netdx sofamily', 'netdx sofamily -i 5', 'netdx sofamily -p 1234 --json'],
  render: (r) => (r.calls.length ? renderTable(COLUMNS, r.calls) : 'no connect or accept\n') + '\n',
  json: (r) => ({ calls: r.calls }),
});
