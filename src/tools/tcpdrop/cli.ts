import { eventTool, WIDE_OPTION } from '../../core/kit/cli.js';
import { tcpEvColumns } from '../../core/kit/tcpev.js';
import { ndjson } from '../../core/output.js';
import { TCPDROP, type TcpDropEvent } from './lib.js';

export default eventTool({
  name: 'tcpdrop',
  layer: 'transport',
  summary: 'each TCP packet the kernel drops: the reason, where, the flow, state and process',
  replaces: 'tcpdrop (BCC, libbpf-tools) — on skb:kfree_skb with the reason, no kprobe',
  spec: TCPDROP,
  options: {
    ...WIDE_OPTION,
    where: { type: 'bool', short: 'l', help: 'print the kernel function that dropped each packet' },
  },
  tracing: 'TCP drops',
  nouns: { events: 'drops', untracked: 'sockets not followed' },
  examples: ['netdx tcpdrop', 'netdx tcpdrop -L 443 -l', 'netdx tcpdrop --netns blue --json'],
  columns: (o) => [
    // pid '-': no socket (dropped before the lookup), or one no process was seen to own
    ...tcpEvColumns<TcpDropEvent>(o.wide),
    { header: 'REASON', get: (e) => (o.where ? `${e.reason} ${e.location}` : e.reason) },
  ],
  json: (e) => ndjson(e),
  time: (e) => e.ts_ns,
});
