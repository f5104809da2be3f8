// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* soprotocol: connect() and accept() calls by process and transport protocol, with the failed
 * ones, aggregated in the kernel (like the BPF book's soprotocol.bt, which uses kprobes on
 * security_socket_connect/accept; here the syscall tracepoints and the socket of the call's fd).
 * The protocol is named as the kernel names it (sk->sk_prot->name: TCP, TCPv6, UDP, UNIX-STREAM,
 * ...). The entry and exit programs are netdx_sockio.h's NETDX_SOCKCALL_PROGRAMS. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "netdx.h"
#include "netdx_filter.h"
#include "netdx_sockio.h"
#include "soprotocol.h"

_Static_assert(sizeof(struct soprotocol_val) == 16 && __builtin_offsetof(struct soprotocol_val, failed) == 8,
	       "soprotocol_val is { calls, failed } (netdx_sockcall_add)");

NETDX_AGGREGATE_MAP(calls, soprotocol_key, soprotocol_val, 8192);

static __always_inline int count(struct sock *sk, bool accept, long ret)
{
	struct soprotocol_key key = {
		.pid = bpf_get_current_pid_tgid() >> 32, .ipproto = BPF_CORE_READ_BITFIELD_PROBED(sk, sk_protocol), .accept = accept,
	};
	struct proto *prot = BPF_CORE_READ(sk, __sk_common.skc_prot);
	BPF_CORE_READ_STR_INTO(&key.proto, prot, name);
	bpf_get_current_comm(key.comm, sizeof(key.comm));
	netdx_sockcall_add(&calls, &key, &lost, ret);
	return 0;
}

NETDX_SOCKCALL_PROGRAMS(soprotocol, count)

char LICENSE[] SEC("license") = "Dual BSD/GPL";
