import { eventTool } from '../../core/kit/cli.js';
import { TCPLIFE } from './lib.js';
import { tcpLifeJson } from './decode.js';

export default eventTool({
  name: 'tcplife',
  layer: 'transport',
  summary: 'one line per closed TCP session: process, addresses, bytes, duration',
  replaces: 'tcplife (BCC, libbpf-tools, bpftrace) — on tracepoints only, with exact payload bytes',
  filters: ['pid', 'lport', 'rport', 'family', 'netns'],
  spec: TCPLIFE,
  options: {
    wide: { type: 'bool', short: 'w', help: 'wide address columns (full IPv6 addresses line up)' },
  },
  tracing: 'TCP sessions',
  nouns: { events: 'sessions', tracked: 'sessions' },
  examples: ['netdx tcplife', 'netdx tcplife -L 80,443 -d 30', 'netdx tcplife -6 -w', 'netdx tcplife --json -p 1234'],
  columns: (o) => {
    const addr = o.wide ? 39 : 15;
    return [
      // pid 0: a passive session no process ever accepted or closed (e.g. reset in the queue)
      { header: 'PID', get: (e) => (e.pid ? e.pid : '-'), width: 7 },
      { header: 'COMM', get: (e) => e.comm || '-', width: 15 },
      { header: 'LADDR', get: (e) => e.laddr, width: addr },
      { header: 'LPORT', get: (e) => e.lport, align: 'right', width: 5 },
      { header: 'RADDR', get: (e) => e.raddr, width: addr },
      { header: 'RPORT', get: (e) => e.rport, align: 'right', width: 5 },
      { header: 'TX_KB', get: (e) => Math.floor(e.tx_bytes / 1024), align: 'right', width: 6 },
      { header: 'RX_KB', get: (e) => Math.floor(e.rx_bytes / 1024), align: 'right', width: 6 },
      { header: 'MS', get: (e) => e.duration_ms.toFixed(2), align: 'right', width: 9 },
    ];
  },
  json: tcpLifeJson,
  time: (e) => e.ts_ns,
});
