import { tcpEventTool } from '../../core/kit/tcpev.js';
import { TCPRESET } from './lib.js';

// pid '-': no socket (a closed port), or one no process was seen to own
export default tcpEventTool({
  name: 'tcpreset',
  layer: 'transport',
  summary: 'each TCP reset sent, with the kernel\'s reason, or received: process, flow, state',
  replaces: 'tcpreset (bpf-perf-tools-book), tcpdrop\'s resets — on tracepoints, with the reason',
  spec: TCPRESET,
  tracing: 'TCP resets',
  nouns: { events: 'resets', untracked: 'sockets not followed' },
  examples: ['netdx tcpreset', 'netdx tcpreset -L 443 -T', 'netdx tcpreset --netns blue --json'],
  // the reason of a reset sent (the kernel's name), or RECEIVED: 100 columns hold both
  columns: () => [{ header: 'RESET', get: (e) => (e.dir === 'sent' ? e.reason : 'RECEIVED') }],
});
