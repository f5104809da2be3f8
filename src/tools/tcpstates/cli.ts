import { eventTool } from '../../core/kit/cli.js';
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
  filters: ['pid', 'lport', 'rport', 'family', 'netns'],
  spec: TCPSTATES,
  options: {
    wide: { type: 'bool', short: 'w', help: 'wide: the socket address (SKADDR) and full-width address columns' },
  },
  tracing: 'TCP state changes',
  nouns: { events: 'state changes', tracked: 'sockets\' times' },
  examples: ['netdx tcpstates', 'netdx tcpstates -L 443 -w', 'netdx tcpstates --netns blue --json'],
  // 100 columns with IPv4 addresses; -w adds SKADDR, which names one socket across its rows
  columns: (o) => {
    const addr = o.wide ? 39 : 15;
    return [
      ...(o.wide ? [{ header: 'SKADDR', get: (e: TcpStateChange) => e.skaddr, width: 16 }] : []),
      // pid 0: a passive socket no process has accepted yet
      { header: 'PID', get: (e) => (e.pid ? e.pid : '-'), width: 7 },
      { header: 'COMM', get: (e) => e.comm || '-', width: 15 },
      { header: 'LADDR', get: (e) => e.laddr, width: addr },
      { header: 'LPORT', get: (e) => e.lport, align: 'right', width: 5 },
      { header: 'RADDR', get: (e) => e.raddr, width: addr },
      { header: 'RPORT', get: (e) => e.rport, align: 'right', width: 5 },
      { header: 'OLDSTATE', get: (e) => e.oldstate, width: 11 },
      { header: 'NEWSTATE', get: (e) => e.newstate, width: 11 },
      { header: 'MS', get: (e) => (e.ms === null ? '-' : e.ms.toFixed(3)), align: 'right', width: 8 },
    ];
  },
  json,
  time: (e) => e.ts_ns,
});
