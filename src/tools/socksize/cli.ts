import { intervalTool } from '../../core/kit/cli.js';
import { renderHistogram } from '../../core/hist.js';
import { renderTable, type Column } from '../../core/output.js';
import { SOCKSIZE, type SockSizeStat } from './lib.js';

const COLUMNS: ReadonlyArray<Column<SockSizeStat>> = [
  { header: 'PID', get: (s) => s.pid },
  { header: 'COMM', get: (s) => s.comm || '-' },
  { header: 'DIR', get: (s) => s.dir },
  { header: 'CALLS', get: (s) => s.calls, align: 'right' },
  { header: 'BYTES', get: (s) => s.bytes, align: 'right' },
  { header: 'AVG', get: (s) => (s.calls ? Math.round(s.bytes / s.calls) : 0), align: 'right' },
];

export default intervalTool({
  name: 'socksize',
  layer: 'socket',
  summary: 'socket send and receive sizes per process and direction: log2 histograms',
  replaces: 'socksize.bt (BPF Performance Tools) — on the sock_send/recv_length tracepoints',
  spec: SOCKSIZE,
  options: {
    summary: { type: 'bool', help: 'the table only, no histograms' },
  },
  tracing: 'socket I/O sizes',
  examples: ['netdx socksize', 'netdx socksize -i 5 -c 3', 'netdx socksize -p 1234 --json', 'netdx socksize -L 443 --summary'],
  render(r, o) {
    if (!r.sizes.length) return 'no socket I/O\n';
    let out = renderTable(COLUMNS, r.sizes);
    if (!o.summary) for (const s of r.sizes) out += `\npid = ${s.pid}, comm = ${s.comm}, ${s.dir}\n${renderHistogram(s.hist)}`;
    return out + '\n';
  },
  json: (r) => ({ sizes: r.sizes }),
});
