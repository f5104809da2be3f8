// sockstat as a library: socket calls on IPv4/IPv6 sockets by kind (socket, bind, listen, connect,
// accept, send, recv), counted in the kernel and read per interval. The doctor and exporters call
// startSockstat() and sample(); cli.ts only renders.
import { startInterval, type IntervalProbe, type IntervalSpec } from '../../core/kit/interval.js';
import type { LoadOptions } from '../../core/kit/load.js';
import { SOCKIO_HOOKS, sockioSpec, sockioVariants, type SockioVia } from '../../core/kit/sockio.js';

/** The kinds in sockstat.h's order (SOCKSTAT_SOCKET 0 ... SOCKSTAT_RECV 6). */
export const KINDS = ['socket', 'bind', 'listen', 'connect', 'accept', 'send', 'recv'] as const;
export type SockCallKind = (typeof KINDS)[number];

export interface SockCallCount {
  kind: SockCallKind;
  /** Calls in the interval (syscalls counted at their entry, failed ones too). */
  calls: number;
  per_s: number;
}

export interface SockstatReport {
  seconds: number;
  /** Every kind, in KINDS order (zeros included). */
  kinds: SockCallCount[];
}

/** The syscall entry programs, loaded with each way of attaching the send and receive ones. */
const SYSCALL_PROGRAMS = ['sockstat_socket', 'sockstat_bind', 'sockstat_listen', 'sockstat_connect', 'sockstat_accept', 'sockstat_accept4'];

export const SOCKSTAT: IntervalSpec<SockstatReport> = sockioSpec('sockstat', (obj, seconds) => {
  const calls = new Array<number>(KINDS.length).fill(0);
  for (const [k, v] of obj.map('counts').drain()) calls[k.readUInt32LE(0)] = Number(v.readBigUInt64LE(0));
  return {
    seconds,
    kinds: KINDS.map((kind, i) => ({ kind, calls: calls[i]!, per_s: seconds > 0 ? Math.round((calls[i]! / seconds) * 10) / 10 : 0 })),
  };
}, {
  hooks: [...SOCKIO_HOOKS, 'syscall_tracepoint'],
  variants: sockioVariants('sockstat', SYSCALL_PROGRAMS),
  // a socket() call has no ports yet: the port filters would mean different things per kind
  filters: ['pid', 'family', 'netns', 'cgroup'],
});

/** Starts counting (attached when this returns); sample() reads and resets one interval. */
export function startSockstat(opts: LoadOptions & { via?: SockioVia } = {}): IntervalProbe<SockstatReport> {
  return startInterval(SOCKSTAT, opts);
}
