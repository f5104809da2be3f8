import { tcpEventTool } from '../../core/kit/tcpev.js';
import { TCPACCEPT } from './lib.js';

export default tcpEventTool({
  name: 'tcpaccept',
  layer: 'transport',
  summary: 'each TCP connection accepted: process, ends, and the accept queue left behind',
  replaces: 'tcpaccept (BCC, libbpf-tools) — on syscall tracepoints, with the accept queue',
  spec: TCPACCEPT,
  // an accepted socket is ESTABLISHED (or CLOSE_WAIT already): no state column, but the queue
  // waiting after this accept / the listen() backlog
  state: false,
  columns: () => [{ header: 'QUEUE', get: (e) => `${e.backlog}/${e.max_backlog}`, align: 'right', width: 9 }],
  tracing: 'TCP accepts',
  nouns: { events: 'accepts', untracked: 'accept calls not followed' },
  examples: ['netdx tcpaccept', 'netdx tcpaccept -L 443 -T', 'netdx tcpaccept --netns blue --json'],
});
