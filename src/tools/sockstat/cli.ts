import { intervalTool } from '../../core/kit/cli.js';
import { renderTable, type Column } from '../../core/output.js';
import { SOCKSTAT, type SockCallCount } from './lib.js';

const COLUMNS: ReadonlyArray<Column<SockCallCount>> = [
  { header: 'CALL', get: (c) => c.kind },
  { header: 'COUNT', get: (c) => c.calls, align: 'right' },
  { header: 'PER_S', get: (c) => c.per_s.toFixed(1), align: 'right' },
];

export default intervalTool({
  name: 'sockstat',
  layer: 'socket',
  summary: 'socket calls per second by kind: socket, bind, listen, connect, accept, send, recv',
  replaces: 'sockstat.bt (BPF Performance Tools) — on syscall and socket tracepoints',
  spec: SOCKSTAT,
  options: {},
  tracing: 'socket calls',
  examples: ['netdx sockstat -i 1', 'netdx sockstat -p 1234 -d 10', 'netdx sockstat --netns blue -i 5 --json'],
  render: (r) => renderTable(COLUMNS, r.kinds) + '\n',
  json: (r) => ({ kinds: r.kinds }),
});
