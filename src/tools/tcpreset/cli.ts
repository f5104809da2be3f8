import { eventTool, WIDE_OPTION } from '../../core/kit/cli.js';
import { tcpEvColumns } from '../../core/kit/tcpev.js';
import { ndjson } from '../../core/output.js';
import { TCPRESET, type TcpResetEvent } from './lib.js';

export default eventTool({
  name: 'tcpreset',
  layer: 'transport',
  summary: 'each TCP reset sent (with the kernel\'s reason) or received, with its process and state',
  replaces: 'tcpreset (bpf-perf-tools-book), tcpdrop\'s resets — on tracepoints, with the reason',
  spec: TCPRESET,
  options: WIDE_OPTION,
  tracing: 'TCP resets',
  nouns: { events: 'resets', untracked: 'sockets not followed' },
  examples: ['netdx tcpreset', 'netdx tcpreset -L 443 -T', 'netdx tcpreset --netns blue --json'],
  columns: (o) => [
    // pid '-': no socket (a closed port), or one no process was seen to own
    ...tcpEvColumns<TcpResetEvent>(o.wide),
    // the reason of a reset sent (the kernel's name), or RECEIVED: 100 columns hold both
    { header: 'RESET', get: (e) => (e.dir === 'sent' ? e.reason : 'RECEIVED') },
  ],
  json: (e) => ndjson(e),
  time: (e) => e.ts_ns,
});
