// tcpaccept as a library: one typed event per TCP connection accept() returned, with the
// accepting process, both ends and the listener's accept queue after it. cli.ts only renders.
import type { EventSpec } from '../../core/kit/events.js';
import { tcpEvDecoder, type TcpSockInfo } from '../../core/kit/tcpev.js';
import { tcpaccept_event } from './tcpaccept.h.js';

export interface TcpAcceptEvent extends TcpSockInfo {
  /** The accepting thread. */
  tid: number;
  /** The new file descriptor. */
  fd: number;
  /** Connections still waiting in the listener's accept queue after this one was taken. */
  backlog: number;
  /** The queue's limit (listen()'s backlog, capped by net.core.somaxconn). */
  max_backlog: number;
}

export const decodeTcpAccept = tcpEvDecoder(tcpaccept_event, (r) => ({ tid: r.tid, fd: r.fd, backlog: r.backlog, max_backlog: r.max_backlog }));

const PROGRAMS = ['tcpaccept_enter4', 'tcpaccept_enter', 'tcpaccept_exit4', 'tcpaccept_exit'];

// accept() runs in the accepting process: the syscall tracepoints see it with its PID and cgroup.
export const TCPACCEPT: EventSpec<TcpAcceptEvent> = {
  name: 'tcpaccept',
  object: 'tcpaccept',
  hooks: ['syscall_tracepoint', 'ringbuf'],
  filters: ['pid', 'lport', 'rport', 'family', 'netns', 'cgroup'],
  variants: [{ via: 'tracepoint', programs: PROGRAMS }],
  decode: decodeTcpAccept,
};
