// tcpreset as a library: one typed event per TCP reset sent (with the kernel's reason) or
// received (with the state it found), and the socket's owner. cli.ts only renders.
import { kernelEnumName } from '../../core/bpf/btf.js';
import type { EventSpec } from '../../core/kit/events.js';
import { TCPEV_HOOKS, tcpEvDecoder, tcpEvVariants, type TcpSockInfo } from '../../core/kit/tcpev.js';
import { tcpreset_event } from './tcpreset.h.js';

export interface TcpResetEvent extends TcpSockInfo {
  /** 'sent' by this host, or 'received' from the peer. */
  dir: 'sent' | 'received';
  /**
   * Why the kernel sent it: the name in this kernel's enum sk_rst_reason without its prefix
   * (NO_SOCKET, TCP_STATE, TCP_ABORT_ON_CLOSE, ...); '' for a reset received.
   */
  reason: string;
  /** A socket took part: without one (a closed port), the ends are the packet's and pid is 0. */
  socket: boolean;
}

export const decodeTcpReset = tcpEvDecoder(tcpreset_event, (r) => ({
  dir: r.sent ? 'sent' as const : 'received' as const,
  reason: r.sent ? kernelEnumName('sk_rst_reason', 'SK_RST_REASON_', r.reason) : '', socket: r.has_sk === 1,
}));

export const TCPRESET: EventSpec<TcpResetEvent> = {
  name: 'tcpreset',
  object: 'tcpreset',
  hooks: TCPEV_HOOKS,
  filters: ['pid', 'lport', 'rport', 'family', 'netns'],
  variants: tcpEvVariants('tcpreset', ['out', 'in']),
  decode: decodeTcpReset,
};
