import { intervalTool, numberColumns, ownerColumns, ownerSuffix, renderRowsWithHistograms, SUMMARY_OPTION } from '../../core/kit/cli.js';
import type { Column } from '../../core/output.js';
import { TCPSYNBL, type TcpSynblListener, type TcpSynblReport } from './lib.js';

const COLUMNS: ReadonlyArray<Column<TcpSynblListener>> = [
  ...ownerColumns<TcpSynblListener>(),
  { header: 'IP', get: (l) => l.family },
  ...numberColumns<TcpSynblListener>([['LPORT', 'lport'], ['LIMIT', 'limit'], ['CONNS', 'conns'], ['MAX_QUEUE', 'max_queue'],
    ['ACK_OVERFLOWS', 'overflows'], ['SYNACKS', 'synacks'], ['MAX_SYNQ', 'max_synq']]),
];

export default intervalTool<TcpSynblReport, typeof SUMMARY_OPTION>({
  name: 'tcpsynbl',
  layer: 'transport',
  summary: 'accept queues of TCP listeners against their limit, SYN queues and ACK overflows',
  replaces: 'tcpsynbl (BCC, libbpf-tools), per listener, with overflows — on tracepoints only',
  spec: TCPSYNBL,
  options: SUMMARY_OPTION,
  tracing: 'TCP accept queues',
  examples: ['netdx tcpsynbl -i 1', 'netdx tcpsynbl -L 8080 -d 10', 'netdx tcpsynbl --netns shop -i 5 -c 3 --json'],
  render: (r, o) => renderRowsWithHistograms(COLUMNS, r.listeners, {
    empty: 'no handshake completed on a listener in this interval', summary: o.summary,
    title: (l) => `backlog_max = ${l.limit}, port ${l.lport} (IPv${l.family}${ownerSuffix(l)})`,
  }),
  json: (r) => ({ listeners: r.listeners }),
});
