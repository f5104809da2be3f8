// soaccept as a library: one typed event per accept() or accept4() call, at its return.
import { formatAddr } from '../../core/addr.js';
import { syscallDecoder, syscallSpec, type SyscallEvent } from '../../core/kit/sys.js';
import { soaccept_event } from './soaccept.h.js';

export interface SoAcceptEvent extends SyscallEvent {
  /** The accepted socket's fd; -1 when the call failed. */
  newfd: number;
  /** The listener's port. */
  lport: number;
  /** The accepted socket's local address and its peer ('-' for a unix socket or a failure). */
  laddr: string;
  raddr: string;
  /** The peer's port (0: none). */
  rport: number;
  /** The listener's accept queue after this call, and its limit (the effective backlog). */
  qlen: number;
  qmax: number;
}

export const decodeSoAccept: (dv: DataView, off: number) => SoAcceptEvent = syscallDecoder(soaccept_event, (r) => {
  const f = r.family === 2 ? 4 : r.family === 10 ? 6 : 0;
  const addr = (b: Uint8Array) => (f && r.newfd >= 0 ? formatAddr(f, b) : '-');
  return { newfd: r.newfd, lport: r.lport, laddr: addr(r.laddr), raddr: addr(r.raddr), rport: r.rport, qlen: r.qlen, qmax: r.qmax };
});

export const SOACCEPT = syscallSpec<SoAcceptEvent>('soaccept', ['accept', 'accept4'], ['pid', 'lport', 'rport', 'family', 'netns', 'cgroup'], decodeSoAccept);
