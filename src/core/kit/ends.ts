// The two ends of a socket as BPF records carry them: the kernel's address family, both addresses
// in 16-byte fields (IPv4 in the first 4 bytes: netdx_sk_addrs() of bpf/include/netdx_filter.h) and
// both ports, turned into the family, addresses and ports every socket event and row shows.
import { formatAddr } from '../addr.js';

const AF_INET6 = 10;

export interface RawEnds {
  family: number;
  saddr: Uint8Array;
  daddr: Uint8Array;
  sport: number;
  dport: number;
}

export interface SocketEnds {
  family: 4 | 6;
  laddr: string;
  lport: number;
  raddr: string;
  rport: number;
}

export function socketEnds(r: RawEnds): SocketEnds {
  const family = r.family === AF_INET6 ? 6 : 4;
  return { family, laddr: formatAddr(family, r.saddr), lport: r.sport, raddr: formatAddr(family, r.daddr), rport: r.dport };
}
