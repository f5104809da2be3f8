import { intervalTool } from '../../core/kit/cli.js';
import { renderTable, type Column } from '../../core/output.js';
import { SOPROTOCOL, type SoProtocolStat } from './lib.js';

const COLUMNS: ReadonlyArray<Column<SoProtocolStat>> = [
  { header: 'PID', get: (s) => s.pid },
  { header: 'COMM', get: (s) => s.comm || '-' },
  { header: 'CALL', get: (s) => s.call },
  { header: 'PROTOCOL', get: (s) => s.protocol },
  { header: 'CALLS', get: (s) => s.calls, align: 'right' },
  { header: 'FAILED', get: (s) => s.failed, align: 'right' },
];

export default intervalTool({
  name: 'soprotocol',
  layer: 'socket',
  summary: 'connects and accepts by process and protocol (TCP, UDP, unix...), with failures',
  replaces: 'soprotocol.bt (BPF Performance Tools) — on syscall tracepoints, with failures',
  spec: SOPROTOCOL,
  options: {},
  tracing: 'connect and accept calls',
  examples: ['netdx soprotocol', 'netdx soprotocol -i 5', 'netdx soprotocol --netns blue --json'],
  render: (r) => (r.calls.length ? renderTable(COLUMNS, r.calls) : 'no connect or accept\n') + '\n',
  json: (r) => ({ calls: r.calls }),
});
