import { intervalTool, socketColumns, WIDE_OPTION } from '../../core/kit/cli.js';
import { renderTable, type Column } from '../../core/output.js';
import { checkTcptop, SORTS, TCPTOP, type TcpFlow } from './lib.js';

const kb = (n: number) => Math.floor(n / 1024);

export default intervalTool({
  name: 'tcptop',
  layer: 'transport',
  summary: 'TCP throughput per process and connection, the top flows each interval',
  replaces: 'tcptop (BCC, libbpf-tools) — on the sock_send/recv_length tracepoints',
  spec: TCPTOP,
  options: {
    sort: { type: 'string', short: 'S', arg: 'KEY', help: 'sort by all (sent + received, the default), sent or received', choices: SORTS },
    rows: { type: 'int', short: 'r', arg: 'ROWS', help: 'at most ROWS flows per report (default 20)' },
    ...WIDE_OPTION,
  },
  tracing: 'TCP throughput',
  examples: ['netdx tcptop -i 1', 'netdx tcptop -i 5 -r 10 -S sent', 'netdx tcptop -p 1234 -d 10 --json'],
  check: (o) => checkTcptop(o),
  render(r, o) {
    const cols: Array<Column<TcpFlow>> = [
      ...socketColumns<TcpFlow>(o.wide),
      { header: 'RX_KB', get: (f) => kb(f.rx_bytes), align: 'right' },
      { header: 'TX_KB', get: (f) => kb(f.tx_bytes), align: 'right' },
    ];
    const total = `TCP: ${kb(r.rx_bytes)} KB received, ${kb(r.tx_bytes)} KB sent in ${r.seconds.toFixed(1)} s` +
      (r.more ? `; ${r.more} more flow(s) not shown` : '') + '\n';
    return total + (r.flows.length ? renderTable(cols, r.flows) : '') + '\n';
  },
  json: (r) => ({ flows: r.flows, more: r.more, rx_bytes: r.rx_bytes, tx_bytes: r.tx_bytes }),
});
