// The kernel's drops in a window, by reason, each with what usually causes it and where to look.
// Reason names come from the running kernel's BTF (they are renumbered between kernels); a reason
// this table does not know is still listed, by its name, without advice.
import type { DoctorWindow } from '../window.js';
import { hostPort } from './view.js';

/** What a drop reason (enum skb_drop_reason, without its prefix) means, and the fix. */
export const DROP_FIXES: Readonly<Record<string, string>> = {
  NETFILTER_DROP: 'a firewall rule (nftables or iptables) dropped it: nft -a list ruleset (see netfilter.drops)',
  NO_SOCKET: 'nothing listens on that port: a closed port, or clients aimed at the wrong one',
  SOCKET_RCVBUFF: 'the socket\'s receive buffer was full: read faster, or raise SO_RCVBUF and net.core.rmem_max',
  SOCKET_BACKLOG: 'the socket\'s backlog was full while its owner held it: read faster, or raise the receive buffer',
  SOCKET_FILTER: 'a socket filter (SO_ATTACH_FILTER/BPF) of the application dropped it',
  TCP_LISTEN_OVERFLOW: 'the accept queue was full: accept faster, or raise the listen() backlog and somaxconn',
  TCP_ZEROWINDOW: 'data past a zero window: the receiver is not reading',
  TCP_OFOMERGE: 'the out-of-order queue had to be pruned: the receive buffer is too small for the loss and reordering',
  TCP_OFO_DROP: 'out-of-order data that did not fit: the receive buffer is too small',
  TCP_OFO_QUEUE_PRUNE: 'the out-of-order queue was pruned under memory pressure',
  TCP_RFC7323_PAWS: 'a segment with an old timestamp (PAWS): a reused port or a middlebox rewriting timestamps',
  TCP_CSUM: 'a corrupted TCP segment (checksum): the NIC, a cable, or a middlebox',
  UDP_CSUM: 'a corrupted UDP datagram (checksum)',
  IP_CSUM: 'a corrupted IP header (checksum)',
  IP_RPFILTER: 'reverse-path filtering: rp_filter=2 (loose) on the interface, or symmetric routing (see ip.rp_filter_drops)',
  IP_INADDRERRORS: 'a destination address that is not valid here',
  IP_OUTNOROUTES: 'no route to the destination: ip route get ADDR',
  IP_NOROUTE: 'no route for it: ip route get ADDR',
  IP_INNOROUTES: 'no route for an incoming packet (on a fresh link, often IPv6 router solicitations: harmless)',
  NEIGH_FAILED: 'the next hop did not answer ARP/NDP: is it up, on the right link?',
  NEIGH_QUEUEFULL: 'packets waited for ARP/NDP and the queue overflowed: the next hop is slow to answer',
  NEIGH_DEAD: 'the neighbour entry died while packets waited',
  NEIGH_CREATEFAIL: 'no neighbour entry could be made: raise net.ipv4.neigh.default.gc_thresh3',
  QDISC_DROP: 'a queueing discipline was full: tc -s qdisc, raise its limit (see qdisc.drops)',
  QDISC_OVERLIMIT: 'a qdisc\'s limit was exceeded: tc -s qdisc',
  QDISC_CONGESTED: 'a qdisc dropped it under congestion (AQM): expected when the link is saturated',
  CPU_BACKLOG: 'a CPU\'s input backlog was full: net.core.netdev_max_backlog, spread the work (RPS)',
  FULL_RING: 'the NIC\'s ring was full: ethtool -G IF rx N',
  NOMEM: 'no memory for the packet',
  PKT_TOO_BIG: 'larger than the MTU on the way out: path MTU, or GSO/TSO settings',
  XDP: 'an XDP program dropped it',
  TC_INGRESS: 'a tc filter on ingress dropped it: tc filter show dev IF ingress',
  TC_EGRESS: 'a tc filter on egress dropped it: tc filter show dev IF egress',
  OTHERHOST: 'a frame for another host (promiscuous mode): usually harmless',
  DUP_FRAG: 'a duplicate IP fragment',
  FRAG_REASM_TIMEOUT: 'IP fragments that never completed: fragmentation on the path, a fragment lost',
};

export interface DropSummary {
  reason: string;
  count: number;
  /** Where the kernel dropped it (the function, from /proc/kallsyms). */
  location: string;
  proto: string;
  /** This host's port (the socket's, or the packet's destination), when known. */
  port?: number;
  addr?: string;
  pid?: number;
  /** What it usually means and where to look; undefined for a reason the table does not know. */
  fix?: string;
}

const PROTO: Record<number, string> = { 1: 'icmp', 6: 'tcp', 17: 'udp', 58: 'icmpv6' };

/** The window's drops by reason, location, protocol and port, largest first (at most `top`). */
export function dropSummary(w: DoctorWindow, top = 12): DropSummary[] {
  const by = new Map<string, DropSummary>();
  for (const d of w.probes.drops) {
    const port = d.has_sk ? d.sport : d.dport;
    const proto = PROTO[d.ipproto] ?? (d.ipproto ? `proto ${d.ipproto}` : '');
    const key = `${d.reason}|${d.location}|${proto}|${port}`;
    const e = by.get(key);
    if (e) { e.count += d.count; if (!e.pid && d.pid) e.pid = d.pid; continue; }
    by.set(key, {
      reason: d.reason, count: d.count, location: d.location, proto,
      ...(port ? { port } : {}), ...(d.daddr && !d.has_sk ? { addr: d.daddr } : {}), ...(d.pid ? { pid: d.pid } : {}),
      ...(DROP_FIXES[d.reason] ? { fix: DROP_FIXES[d.reason] } : {}),
    });
  }
  return [...by.values()].sort((a, b) => b.count - a.count).slice(0, top);
}

/** One line for a person: "NETFILTER_DROP x3000 at nft_do_chain+0x1a4, udp to 198.18.0.2:7777". */
export function dropLine(d: DropSummary): string {
  const where = d.port ? `${d.proto ? `${d.proto} ` : ''}${d.addr ? `to ${hostPort(d.addr, d.port)}` : `port ${d.port}`}` : d.proto;
  return `${d.reason} x${d.count} at ${d.location}${where ? `, ${where}` : ''}${d.pid ? ` (pid ${d.pid})` : ''}`;
}
