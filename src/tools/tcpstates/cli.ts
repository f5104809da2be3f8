import { eventTool, socketColumns, WIDE_OPTION } from '../../core/kit/cli.js';
import { TCPSTATES, type TcpStateChange } from './lib.js';

/** One NDJSON line, written by hand: JSON.stringify costs more per event (see tcplife). */
function json(e: TcpStateChange): string {
  return `{"ts_ns":${e.ts_ns},"skaddr":"${e.skaddr}","pid":${e.pid},"comm":${JSON.stringify(e.comm)},"family":${e.family},` +
    `"laddr":"${e.laddr}","lport":${e.lport},"raddr":"${e.raddr}","rport":${e.rport},` +
    `"oldstate":"${e.oldstate}","newstate":"${e.newstate}","ms":${e.ms}}\n`;
}

export default eventTool({
  name: 'tcpstates',
  layer: 'transport',
  summary: 'each TCP state change of each socket, with the time spent in the state left',
  replaces: 'tcpstates (BCC, libbpf-tools) — on tracepoints only, with the owning process',
  spec: TCPSTATES,
  options: { wide: { ...WIDE_OPTION.wide, help: 'wide: the socket address (SKADDR) and full-width address columns' } },
  tracing: 'TCP state changes',
  nouns: { events: 'state changes', untracked: 'sockets reported without times' },
  examples: ['netdx tcpstates', 'netdx tcpstates -L 443 -w', 'netdx tcpstates --netns blue --json'],
  // 100 columns with IPv4 addresses; -w adds SKADDR, which names one socket across its rows
  columns: (o) => {
    return [
      ...(o.wide ? [{ header: 'SKADDR', get: (e: TcpStateChange) => e.skaddr, width: 16 }] : []),
      // pid '-': a passive socket no process has accepted yet
      ...socketColumns<TcpStateChange>(o.wide),
      { header: 'OLDSTATE', get: (e) => e.oldstate, width: 11 },
      { header: 'NEWSTATE', get: (e) => e.newstate, width: 11 },
      { header: 'MS', get: (e) => (e.ms === null ? '-' : e.ms.toFixed(3)), align: 'right', width: 8 },
    ];
  },
  json,
  time: (e) => e.ts_ns,
});
