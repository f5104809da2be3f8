import { intervalTool, numberColumns, ownerColumns, ownerSuffix, renderRowsWithHistograms, SUMMARY_OPTION } from '../../core/kit/cli.js';
import type { Column } from '../../core/output.js';
import { SORMEM, type SormemReport, type SormemSocket } from './lib.js';

const proto = (s: SormemSocket) => `${s.proto}${s.family === 6 ? '6' : ''}`;

const COLUMNS: ReadonlyArray<Column<SormemSocket>> = [
  ...ownerColumns<SormemSocket>(),
  { header: 'PROTO', get: (s) => proto(s) },
  { header: 'LADDR', get: (s) => s.laddr, cap: 15 },
  ...numberColumns<SormemSocket>([['LPORT', 'lport'], ['RPORT', 'rport'], ['RCVBUF', 'rcvbuf'], ['MAX_RMEM', 'max_rmem'],
    ['MAX%', 'max_pct'], ['READS', 'reads'], ['BYTES', 'bytes'], ['DROPS', 'drops']]),
];

export default intervalTool<SormemReport, typeof SUMMARY_OPTION>({
  name: 'sormem',
  layer: 'socket',
  summary: 'receive buffers against their limit per socket: fill % histograms, buffer-full drops',
  replaces: 'sormem (BCC-style, kprobes) — on tracepoints only, with the drops',
  examples: ['netdx sormem -i 1', 'netdx sormem -L 53 -d 10', 'netdx sormem -p 1234 -i 5 -c 3 --json'],
  tracing: 'socket receive buffers',
  spec: SORMEM,
  json: (r) => ({ sockets: r.sockets }),
  // a socket that only dropped has no fill histogram (fill is sampled at reads)
  render: (r, o) => renderRowsWithHistograms(COLUMNS, r.sockets, {
    empty: 'no socket read or dropped in this interval', summary: o.summary,
    title: (s) => (s.reads ? `rcvbuf fill of ${proto(s)} port ${s.lport} (rcvbuf ${s.rcvbuf}${ownerSuffix(s)}), at each read` : undefined),
  }),
  options: SUMMARY_OPTION,
});
