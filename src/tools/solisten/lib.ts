// solisten as a library: one typed event per listen() call, with the backlog asked and the limit
// the kernel set.
import { formatAddr } from '../../core/addr.js';
import { syscallDecoder, syscallSpec, type SyscallEvent } from '../../core/kit/sys.js';
import { solisten_event } from './solisten.h.js';

export interface ListenEvent extends SyscallEvent {
  /** The socket's local address and port after the call ('-' and 0 for a unix socket). */
  laddr: string;
  lport: number;
  /** The backlog asked for. */
  backlog: number;
  /** The accept queue's limit after the call (sk_max_ack_backlog): min(backlog, somaxconn). */
  max_backlog: number;
  /** net.core.somaxconn of the socket's namespace. */
  somaxconn: number;
}

export const decodeListen = syscallDecoder(solisten_event, (r) => {
  const f = r.family === 2 ? 4 : r.family === 10 ? 6 : 0;
  return {
    laddr: f ? formatAddr(f, r.laddr) : '-', lport: r.lport, backlog: r.backlog, max_backlog: r.max_backlog, somaxconn: r.somaxconn,
  };
});

export const SOLISTEN = syscallSpec<ListenEvent>('solisten', ['listen'], ['pid', 'lport', 'family', 'netns', 'cgroup'], decodeListen);
