// tcpdrop as a library: one typed event per TCP packet the kernel dropped, with the kernel's
// reason (named from its BTF), the function that dropped it, the flow, the state and the owner.
// cli.ts only renders.
import { kernelEnumName } from '../../core/bpf/btf.js';
import type { EventSpec } from '../../core/kit/events.js';
import { TCPEV_HOOKS, tcpEvDecoder, tcpEvVariants, type TcpSockInfo } from '../../core/kit/tcpev.js';
import { readKallsyms } from '../../core/proc/kallsyms.js';
import { tcpdrop_event as L } from './tcpdrop.h.js';

export interface TcpDropEvent extends TcpSockInfo {
  /** The name in this kernel's enum skb_drop_reason without its prefix: NETFILTER_DROP, NO_SOCKET, ... */
  reason: string;
  /** Where: "function+0xoff" from /proc/kallsyms (the address in hex when no symbol covers it). */
  location: string;
  /** A TCP socket was known (else the ends are the packet's, its destination the local end, and pid 0). */
  socket: boolean;
}

/** Locations already named: a drop storm comes from a few places, each looked up once. */
const places = new Map<bigint, string>();

function place(addr: bigint): string {
  let s = places.get(addr);
  if (s === undefined) {
    s = readKallsyms([addr])?.symbolize(addr) ?? `0x${addr.toString(16)}`;
    places.set(addr, s);
  }
  return s;
}

export const decodeTcpDrop = tcpEvDecoder(L, (r, dv, off) => ({
  reason: kernelEnumName('skb_drop_reason', 'SKB_DROP_REASON_', r.reason),
  // every bit matters in an address: not through a number
  location: place(dv.getBigUint64(off + L.fields.location.off, true)), socket: r.has_sk === 1,
}));

export const TCPDROP: EventSpec<TcpDropEvent> = {
  name: 'tcpdrop',
  object: 'tcpdrop',
  hooks: TCPEV_HOOKS,
  filters: ['pid', 'lport', 'rport', 'family', 'netns'],
  variants: tcpEvVariants('tcpdrop', ['drop']),
  decode: decodeTcpDrop,
};
