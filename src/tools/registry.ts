// The table of tools. Entries are light (name, layer, summary) and load their module only when
// run, so `netdx --help` and each command start without importing the others. The name, layer
// and summary are copies of the tool's defineTool(): registry.test.ts holds them equal.
import type { Layer, ToolDef, OptionSpecs } from '../core/tool.js';

export interface ToolEntry {
  name: string;
  layer: Layer;
  summary: string;
  load: () => Promise<ToolDef<OptionSpecs>>;
}

const def = (m: { default: unknown }) => m.default as ToolDef<OptionSpecs>;

export const TOOLS: readonly ToolEntry[] = [
  { name: 'doctor', layer: 'overview', summary: 'sample the host, find what is wrong layer by layer, say what to change',
    load: async () => def(await import('./doctor/cli.js')) },
  { name: 'soconnect', layer: 'socket', summary: 'each connect() call, any protocol: process, fd, destination, latency and result',
    load: async () => def(await import('./soconnect/cli.js')) },
  { name: 'soaccept', layer: 'socket', summary: 'each accept() call: process, listener port, peer, new fd, wait and result (EAGAIN)',
    load: async () => def(await import('./soaccept/cli.js')) },
  { name: 'bindsnoop', layer: 'socket', summary: 'each bind() call: process, address, port, protocol, socket options and result',
    load: async () => def(await import('./bindsnoop/cli.js')) },
  { name: 'solisten', layer: 'socket', summary: 'each listen() call: process, address, port, backlog asked and the limit set',
    load: async () => def(await import('./solisten/cli.js')) },
  { name: 'soconnlat', layer: 'socket', summary: 'connect latency histograms, per process or for all, non-blocking connects included',
    load: async () => def(await import('./soconnlat/cli.js')) },
  { name: 'so1stbyte', layer: 'socket', summary: 'time from connect() to the first byte read, histograms per process or for all',
    load: async () => def(await import('./so1stbyte/cli.js')) },
  { name: 'socketio', layer: 'socket', summary: 'socket I/O calls and bytes by process, direction, protocol (TCP, UDP) and ports',
    load: async () => def(await import('./socketio/cli.js')) },
  { name: 'socksize', layer: 'socket', summary: 'socket send and receive sizes per process and direction: log2 histograms',
    load: async () => def(await import('./socksize/cli.js')) },
  { name: 'sockstat', layer: 'socket', summary: 'socket calls per second by kind: socket, bind, listen, connect, accept, send, recv',
    load: async () => def(await import('./sockstat/cli.js')) },
  { name: 'sofamily', layer: 'socket', summary: 'connect() and accept() calls by process and address family, with the failed ones',
    load: async () => def(await import('./sofamily/cli.js')) },
  { name: 'soprotocol', layer: 'socket', summary: 'connects and accepts by process and protocol (TCP, UDP, unix...), with failures',
    load: async () => def(await import('./soprotocol/cli.js')) },
  { name: 'tcppktlat', layer: 'socket', summary: 'how long received TCP data waits for the application to read it, per read',
    load: async () => def(await import('./tcppktlat/cli.js')) },
  { name: 'sormem', layer: 'socket', summary: 'receive buffers against their limit per socket: fill % histograms, buffer-full drops',
    load: async () => def(await import('./sormem/cli.js')) },
  { name: 'tcplife', layer: 'transport', summary: 'one line per closed TCP session: process, addresses, bytes, duration',
    load: async () => def(await import('./tcplife/cli.js')) },
  { name: 'tcpconnect', layer: 'transport', summary: 'each active TCP open: process, ends, latency and result (refused, timed out)',
    load: async () => def(await import('./tcpconnect/cli.js')) },
  { name: 'tcpstates', layer: 'transport', summary: 'each TCP state change of each socket, with the time spent in the state left',
    load: async () => def(await import('./tcpstates/cli.js')) },
  { name: 'tcptop', layer: 'transport', summary: 'TCP throughput per process and connection, the top flows each interval',
    load: async () => def(await import('./tcptop/cli.js')) },
  { name: 'tcprtt', layer: 'transport', summary: 'log2 histograms of TCP smoothed RTT (srtt): total, per remote address or local port',
    load: async () => def(await import('./tcprtt/cli.js')) },
  { name: 'tcpwin', layer: 'transport', summary: 'TCP send-side state per received segment: cwnd, ssthresh, peer window, srtt, buffers',
    load: async () => def(await import('./tcpwin/cli.js')) },
  { name: 'tcpcong', layer: 'transport', summary: 'time per TCP flow in each congestion state: Open, Disorder, CWR, Recovery, Loss',
    load: async () => def(await import('./tcpcong/cli.js')) },
  { name: 'tcpnagle', layer: 'transport', summary: 'how long Nagle holds small TCP writes back, per socket, with a log2 histogram',
    load: async () => def(await import('./tcpnagle/cli.js')) },
  { name: 'tcpconnlat', layer: 'transport', summary: 'TCP connect latency (SYN sent to ESTABLISHED) as log2 histograms, per remote port',
    load: async () => def(await import('./tcpconnlat/cli.js')) },
  { name: 'tcpretrans', layer: 'transport', summary: 'each TCP retransmit: process, flow, state and kind (fast, RTO, loss probe)',
    load: async () => def(await import('./tcpretrans/cli.js')) },
  { name: 'tcpreset', layer: 'transport', summary: 'each TCP reset sent, with the kernel\'s reason, or received: process, flow, state',
    load: async () => def(await import('./tcpreset/cli.js')) },
  { name: 'tcpdrop', layer: 'transport', summary: 'each TCP packet the kernel drops: the reason, where, the flow, state and process',
    load: async () => def(await import('./tcpdrop/cli.js')) },
  { name: 'tcpaccept', layer: 'transport', summary: 'each TCP connection accepted: process, ends, and the accept queue left behind',
    load: async () => def(await import('./tcpaccept/cli.js')) },
  { name: 'tcpsynbl', layer: 'transport', summary: 'accept queues of TCP listeners against their limit, SYN queues and ACK overflows',
    load: async () => def(await import('./tcpsynbl/cli.js')) },
  { name: 'ipecn', layer: 'ip', summary: 'received IP packets by ECN codepoint per device (CE marks: congestion), CE per flow',
    load: async () => def(await import('./ipecn/cli.js')) },
  { name: 'iproute', layer: 'ip', summary: 'route and neighbour failures: no route, ARP/NDP unanswered, dead entries, table full',
    load: async () => def(await import('./iproute/cli.js')) },
  { name: 'skbdrop', layer: 'ip', summary: 'dropped packets, any protocol, by kernel reason and place: namespace, port, process',
    load: async () => def(await import('./skbdrop/cli.js')) },
  { name: 'softirqs', layer: 'device', summary: 'NET_RX and NET_TX softirq time per CPU: counts, totals and log2 histograms',
    load: async () => def(await import('./softirqs/cli.js')) },
  { name: 'sockets', layer: 'socket', summary: 'sockets with owners, queues, tcp_info and memory (ss -tuanpi -m)',
    load: async () => def(await import('./sockets/cli.js')) },
  { name: 'nstat', layer: 'transport', summary: 'kernel SNMP counters since the last run or per interval, with their meanings (nstat)',
    load: async () => def(await import('./nstat/cli.js')) },
  { name: 'ifstat', layer: 'device', summary: 'per interface: packets, bytes, errors, drops, qdisc drops (sar -n DEV,EDEV, nicstat)',
    load: async () => def(await import('./ifstat/cli.js')) },
  { name: 'ethtool', layer: 'device', summary: 'driver counters as deltas, rings, queues, offloads, coalescing, pause, RSS (ethtool)',
    load: async () => def(await import('./ethtool/cli.js')) },
  { name: 'scaling', layer: 'device', summary: 'RSS/RPS/RFS/XPS, IRQ affinity, softirq and softnet per CPU, REUSEPORT groups',
    load: async () => def(await import('./scaling/cli.js')) },
  { name: 'sysctl', layer: 'tunables', summary: 'the network tunables that matter, with defaults and meanings',
    load: async () => def(await import('./sysctl/cli.js')) },
  { name: 'check', layer: 'tunables', summary: 'kernel, BTF, tracefs, lockdown, capabilities, and which BPF hooks work here',
    load: async () => def(await import('./check/cli.js')) },
];

export function findTool(name: string): ToolEntry | undefined {
  return TOOLS.find((t) => t.name === name);
}
