import { eventTool, socketColumns, WIDE_OPTION } from '../../core/kit/cli.js';
import type { TcpLifeEvent } from './decode.js';
import { fmtBytes } from '../../core/output.js';
import { TCPLIFE } from './lib.js';
import { tcpLifeJson } from './decode.js';

export default eventTool({
  name: 'tcplife',
  layer: 'transport',
  summary: 'one line per closed TCP session: process, addresses, bytes, duration',
  replaces: 'tcplife (BCC, libbpf-tools, bpftrace) — on tracepoints only, with exact payload bytes',
  spec: TCPLIFE,
  options: WIDE_OPTION,
  tracing: 'TCP sessions',
  nouns: { events: 'sessions', untracked: 'sessions not followed' },
  examples: ['netdx tcplife', 'netdx tcplife -L 80,443 -d 30', 'netdx tcplife -6 -w', 'netdx tcplife --json -p 1234'],
  columns: (o) => {
    return [
      // pid '-': a passive session no process ever accepted or closed (e.g. reset in the queue)
      ...socketColumns<TcpLifeEvent>(o.wide),
      // bytes with a unit: a session of a few hundred bytes reads 512B, not "0 KB"
      { header: 'TX', get: (e) => fmtBytes(e.tx_bytes), align: 'right', width: 6 },
      { header: 'RX', get: (e) => fmtBytes(e.rx_bytes), align: 'right', width: 6 },
      { header: 'MS', get: (e) => e.duration_ms.toFixed(2), align: 'right', width: 9 },
    ];
  },
  json: tcpLifeJson,
  time: (e) => e.ts_ns,
});
