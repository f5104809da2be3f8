// bindsnoop as a library: one typed event per bind() of an IPv4, IPv6 or unix socket.
import { sockaddrText, syscallDecoder, syscallSpec, type SyscallEvent } from '../../core/kit/sys.js';
import { bindsnoop_event } from './bindsnoop.h.js';

/** The socket options that change what bind() does, by their bit in bindsnoop.h, with BCC's letters. */
export const BIND_OPTS = [
  ['F', 'IP_FREEBIND', 4], ['T', 'IP_TRANSPARENT', 8], ['N', 'IP_BIND_ADDRESS_NO_PORT', 16],
  ['R', 'SO_REUSEADDR', 1], ['r', 'SO_REUSEPORT', 2],
] as const;

export interface BindEvent extends SyscallEvent {
  /** The address asked for: an IP address, a unix path ('@': abstract). */
  addr: string;
  /** The port asked for (0: any). */
  port: number;
  /** The socket's port after the call (0: none, e.g. with IP_BIND_ADDRESS_NO_PORT or a failure). */
  bound_port: number;
  /** The options set on the socket (SO_REUSEADDR, ...), in BIND_OPTS order. */
  opts: string[];
  /** SO_BINDTODEVICE's interface index; 0 none. */
  ifindex: number;
}

export const decodeBind = syscallDecoder(bindsnoop_event, (r) => ({
  addr: sockaddrText(r.afamily, r.addr, r.path), port: r.port, bound_port: r.bound_port,
  opts: BIND_OPTS.filter(([, , bit]) => r.opts & bit).map(([, name]) => name as string), ifindex: r.ifindex,
}));

/** BCC's OPTS column: a letter per option set, '.' per option not set. */
export function optLetters(opts: readonly string[]): string {
  return BIND_OPTS.map(([letter, name]) => (opts.includes(name) ? letter : '.')).join('');
}

export const BINDSNOOP = syscallSpec<BindEvent>('bindsnoop', ['bind'], ['pid', 'lport', 'family', 'netns', 'cgroup'], decodeBind);
