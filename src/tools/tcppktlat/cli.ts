import { eventTool, socketColumns, WIDE_OPTION } from '../../core/kit/cli.js';
import { ndjson } from '../../core/output.js';
import { TCPPKTLAT } from './lib.js';

export default eventTool({
  name: 'tcppktlat',
  layer: 'socket',
  summary: 'how long received TCP data waits for the application to read it, per read',
  replaces: 'tcppktlat (libbpf-tools) — on tracepoints, from the oldest unread segment',
  spec: TCPPKTLAT,
  options: {
    min: { type: 'number', arg: 'MS', help: 'only waits of at least MS milliseconds' },
    ...WIDE_OPTION,
  },
  tracing: 'TCP reads',
  nouns: { events: 'reads', untracked: 'sockets not followed' },
  examples: ['netdx tcppktlat', 'netdx tcppktlat --min 10 -L 8080', 'netdx tcppktlat -p 1234 --json'],
  columns: (o) => [
    ...socketColumns(!!o.wide),
    { header: 'MS', get: (e) => e.latency_ms.toFixed(3), align: 'right', width: 9 },
  ],
  json: (e) => ndjson(e),
  time: (e) => e.ts_ns,
});
