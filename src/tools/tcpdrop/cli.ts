import { tcpEventTool } from '../../core/kit/tcpev.js';
import { TCPDROP } from './lib.js';

// pid '-': no socket (dropped before the lookup), or one no process was seen to own
export default tcpEventTool({
  name: 'tcpdrop',
  layer: 'transport',
  summary: 'each TCP packet the kernel drops: the reason, where, the flow, state and process',
  replaces: 'tcpdrop (BCC, libbpf-tools) — on skb:kfree_skb with the reason, no kprobe',
  spec: TCPDROP,
  options: { where: { type: 'bool', short: 'l', help: 'print the kernel function that dropped each packet' } },
  tracing: 'TCP drops',
  nouns: { events: 'drops', untracked: 'sockets not followed' },
  examples: ['netdx tcpdrop', 'netdx tcpdrop -L 443 -l', 'netdx tcpdrop --netns blue --json'],
  columns: (o) => [{ header: 'REASON', get: (e) => (o.where ? `${e.reason} ${e.location}` : e.reason) }],
});
