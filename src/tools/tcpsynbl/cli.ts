import { intervalTool } from '../../core/kit/cli.js';
import { renderHistogram } from '../../core/hist.js';
import { renderTable, type Column } from '../../core/output.js';
import type { OptionSpecs } from '../../core/tool.js';
import { TCPSYNBL, type TcpSynblListener, type TcpSynblReport } from './lib.js';

const COLUMNS: ReadonlyArray<Column<TcpSynblListener>> = [
  { header: 'PID', get: (l) => (l.pid ? l.pid : '-') },
  { header: 'COMM', get: (l) => l.comm || '-' },
  { header: 'IP', get: (l) => l.family },
  { header: 'LPORT', get: (l) => l.lport, align: 'right' },
  { header: 'LIMIT', get: (l) => l.limit, align: 'right' },
  { header: 'CONNS', get: (l) => l.conns, align: 'right' },
  { header: 'MAX_QUEUE', get: (l) => l.max_queue, align: 'right' },
  { header: 'ACK_OVERFLOWS', get: (l) => l.overflows, align: 'right' },
  { header: 'SYNACKS', get: (l) => l.synacks, align: 'right' },
  { header: 'MAX_SYNQ', get: (l) => l.max_synq, align: 'right' },
];

const OPTIONS = {
  summary: { type: 'bool', help: 'the table only, no histograms' },
} as const satisfies OptionSpecs;

export default intervalTool<TcpSynblReport, typeof OPTIONS>({
  name: 'tcpsynbl',
  layer: 'transport',
  summary: 'accept queues of TCP listeners against their limit, SYN queues and ACK overflows',
  replaces: 'tcpsynbl (BCC, libbpf-tools), per listener, with overflows — on tracepoints only',
  spec: TCPSYNBL,
  options: OPTIONS,
  tracing: 'TCP accept queues',
  examples: ['netdx tcpsynbl -i 1', 'netdx tcpsynbl -L 8080 -d 10', 'netdx tcpsynbl --netns shop -i 5 -c 3 --json'],
  render(r, o) {
    if (!r.listeners.length) return 'no handshake completed on a listener in this interval\n';
    let out = renderTable(COLUMNS, r.listeners);
    if (!o.summary) {
      for (const l of r.listeners) {
        const who = l.pid ? `, pid ${l.pid} ${l.comm}` : '';
        out += `\nbacklog_max = ${l.limit}, port ${l.lport} (IPv${l.family}${who})\n${renderHistogram(l.hist)}`;
      }
    }
    return out + '\n';
  },
  json: (r) => ({ listeners: r.listeners }),
});
