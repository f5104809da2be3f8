import { intervalTool, numberColumns } from '../../core/kit/cli.js';
import { INTERFACE_OPTION } from '../../core/kit/dev.js';
import { renderTable, type Column } from '../../core/output.js';
import { NETQTOP, type NetqtopQueue, type NetqtopReport } from './lib.js';

const SIZE_HEADERS = ['<64', '64-511', '512-2K', '2K-16K', '16K+'];

const COLUMNS: ReadonlyArray<Column<NetqtopQueue>> = [
  { header: 'NETNS', get: (q) => q.netns },
  { header: 'DEV', get: (q) => q.dev },
  { header: 'DIR', get: (q) => q.dir },
  { header: 'QUEUE', get: (q) => q.queue ?? '-', align: 'right' },
  ...numberColumns<NetqtopQueue>([['PACKETS', 'packets'], ['BYTES', 'bytes']]),
  { header: 'AVG', get: (q) => (q.packets ? (q.bytes / q.packets).toFixed(0) : '0'), align: 'right' },
  ...SIZE_HEADERS.map((header, i): Column<NetqtopQueue> => ({ header, get: (q) => q.sizes[i] ?? 0, align: 'right' })),
];

export default intervalTool<NetqtopReport, typeof INTERFACE_OPTION>({
  name: 'netqtop',
  layer: 'device',
  summary: 'packets, bytes and sizes per device queue, received and sent, per interval',
  replaces: 'netqtop (BCC), every device at once or -I one, per namespace — on tracepoints only',
  spec: NETQTOP,
  options: INTERFACE_OPTION,
  json: (r) => ({ queues: r.queues }),
  render: (r) => (r.queues.length ? renderTable(COLUMNS, r.queues) : 'no packet on a device queue in this interval') + '\n',
  tracing: 'packets per device queue',
  examples: ['netdx netqtop -I eth0 -i 1', 'netdx netqtop --netns shop -d 10', 'netdx netqtop -i 5 -c 3 --json'],
});
