import { intervalTool } from '../../core/kit/cli.js';
import { renderTable, type Column } from '../../core/output.js';
import { SOCKETIO, type SocketIoStat } from './lib.js';

const COLUMNS: ReadonlyArray<Column<SocketIoStat>> = [
  { header: 'PID', get: (s) => s.pid },
  { header: 'COMM', get: (s) => s.comm || '-' },
  { header: 'DIR', get: (s) => s.dir },
  { header: 'PROTO', get: (s) => s.protocol },
  { header: 'LPORT', get: (s) => s.lport, align: 'right' },
  { header: 'RPORT', get: (s) => (s.rport ? s.rport : '-'), align: 'right' },
  { header: 'CALLS', get: (s) => s.calls, align: 'right' },
  { header: 'BYTES', get: (s) => s.bytes, align: 'right' },
  { header: 'AVG', get: (s) => (s.calls ? Math.round(s.bytes / s.calls) : 0), align: 'right' },
  { header: 'ERRORS', get: (s) => s.errors, align: 'right' },
];

export default intervalTool({
  name: 'socketio',
  layer: 'socket',
  summary: 'socket I/O calls and bytes by process, direction, protocol (TCP, UDP) and ports',
  replaces: 'socketio.bt (BPF Performance Tools) — on the sock_send/recv_length tracepoints',
  spec: SOCKETIO,
  options: {},
  tracing: 'socket I/O',
  examples: ['netdx socketio', 'netdx socketio -i 1 -c 5', 'netdx socketio -p 1234 --json', 'netdx socketio --netns blue -L 443'],
  render: (r) => (r.io.length ? renderTable(COLUMNS, r.io) : 'no socket I/O\n'),
  json: (r) => ({ io: r.io }),
});
