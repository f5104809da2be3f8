// soconnect as a library: one typed event per connect() call, at its return.
import { sockaddrText, syscallDecoder, syscallSpec, type SyscallEvent } from '../../core/kit/sys.js';
import { soconnect_event } from './soconnect.h.js';

export interface SoConnectEvent extends SyscallEvent {
  /** The address asked for: an IP address, a unix path ('@': abstract), or '-' (AF_UNSPEC). */
  daddr: string;
  /** The port asked for (0 for unix). */
  dport: number;
  /** The socket's local port after the call (0: none, or unknown). */
  lport: number;
}

export const decodeSoConnect = syscallDecoder(soconnect_event, (r) => ({
  daddr: sockaddrText(r.afamily, r.addr, r.path), dport: r.port, lport: r.lport,
}));

export const SOCONNECT = syscallSpec<SoConnectEvent>('soconnect', ['connect'], ['pid', 'lport', 'rport', 'family', 'netns', 'cgroup'], decodeSoConnect);
