// tcpstates as a library: one typed event per TCP state change, with the time the socket spent in
// the state it left. The doctor and tests call traceTcpStates(); cli.ts only renders.
import { formatAddr } from '../../core/addr.js';
import { structDecoder } from '../../core/bpf/struct.js';
import { startEvents, type EventProbe, type EventSpec } from '../../core/kit/events.js';
import type { CommonFilter } from '../../core/kit/filter.js';
import { ownerPrograms } from '../../core/kit/owner.js';
import { tcpStateVariants } from '../../core/kit/tcpstate.js';
import { AF_INET6, TCP_STATES, type InetSocket } from '../../core/netlink/sockdiag.js';
import { tcpstates_event as L } from './tcpstates.h.js';

export type TcpState = keyof typeof TCP_STATES;

/** BCC's names (ESTABLISHED, SYN_SENT, ...) by the kernel's number. */
const NAMES: string[] = [];
for (const [name, n] of Object.entries(TCP_STATES)) NAMES[n] = name;

/** A state change of the socket laddr:lport <-> raddr:rport (lport is 0 at CLOSE->SYN_SENT:
 * connect() sets the state before it picks the port). */
export interface TcpStateChange extends Pick<InetSocket, 'family' | 'laddr' | 'lport' | 'raddr' | 'rport'> {
  /** bpf_ktime_get_ns() at the change (monotonic clock, ns). */
  ts_ns: number;
  /** The socket's kernel address (16 hex digits): the same for every change of one socket. */
  skaddr: string;
  /** The owning process from the owner cache; 0 while unknown (a passive socket before accept()). */
  pid: number;
  comm: string;
  oldstate: TcpState;
  newstate: TcpState;
  /** Time spent in oldstate; null at the first change seen of a socket. */
  ms: number | null;
  /** Network namespace inode. */
  netns: number;
}

const raw = structDecoder(L);

export function decodeTcpStateChange(dv: DataView, off: number): TcpStateChange {
  const r = raw(dv, off);
  const family = r.family === AF_INET6 ? 6 : 4;
  return {
    ts_ns: r.ts_ns,
    // every bit matters in a pointer: not through a number
    skaddr: dv.getBigUint64(off + L.fields.skaddr.off, true).toString(16).padStart(16, '0'),
    pid: r.pid,
    comm: r.comm,
    family,
    laddr: formatAddr(family, r.saddr),
    lport: r.sport,
    raddr: formatAddr(family, r.daddr),
    rport: r.dport,
    oldstate: (NAMES[r.oldstate] ?? `STATE_${r.oldstate}`) as TcpState,
    newstate: (NAMES[r.newstate] ?? `STATE_${r.newstate}`) as TcpState,
    ms: r.delta_known ? r.delta_ns / 1e6 : null,
    netns: r.netns,
  };
}

const OWNER = ownerPrograms('tcpstates');

export const TCPSTATES: EventSpec<TcpStateChange> = {
  name: 'tcpstates',
  object: 'tcpstates',
  hooks: ['raw_tracepoint', 'syscall_tracepoint', 'ringbuf'],
  filters: ['pid', 'lport', 'rport', 'family', 'netns'],
  variants: tcpStateVariants('tcpstates', OWNER),
  decode: decodeTcpStateChange,
};

export interface TcpStatesOptions {
  /** One way of attaching instead of raw_tp, then the tracepoint. */
  via?: 'raw_tp' | 'tracepoint' | 'tp_btf';
  /** Drain every pollMs on the shared poller (default 10); 0 leaves it to poll(). */
  pollMs?: number;
  /** Sockets timed at once (default 65,536); more are counted as untracked, reported without ms. */
  maxSockets?: number;
}

/** Starts tracing TCP state changes: attached when this returns; stop() the probe when done. */
export function traceTcpStates(filter: CommonFilter, onEvent: (e: TcpStateChange) => void, opts: TcpStatesOptions = {}): EventProbe<TcpStateChange> {
  return startEvents(TCPSTATES, onEvent, {
    filter, via: opts.via, pollMs: opts.pollMs,
    sizes: opts.maxSockets !== undefined ? { since: opts.maxSockets } : undefined,
  });
}
