// The socket-owner cache's programs (bpf/include/netdx_owner.h), by the names its macros give
// them: a tool lists these with its own so the cache is filled where the owner runs.

/** accept() and accept4() exits: NETDX_OWNER_ACCEPT_PROGRAMS(prefix). */
export function ownerPrograms(prefix: string): string[] {
  return [`${prefix}_accept4`, `${prefix}_accept`];
}

/**
 * sendmsg/recvmsg (sock_send_length/sock_recv_length, Linux 6.3+): NETDX_OWNER_IO_PROGRAMS(prefix),
 * through raw_tp, or with kind 'btf' through tp_btf (plain loads: for a tp_btf variant).
 */
export function ownerIoPrograms(prefix: string, kind: 'raw' | 'tp' | 'btf' = 'raw'): string[] {
  const s = kind === 'btf' ? '_btf' : '';
  return [`${prefix}_send${s}`, `${prefix}_recv${s}`];
}
