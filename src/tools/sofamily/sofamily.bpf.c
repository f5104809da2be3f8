// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* sofamily: connect() and accept() calls by process and address family, with the failed ones,
 * aggregated in the kernel (like the BPF book's sofamily.bt, which reads the family from
 * connect's sockaddr; here it is the socket's own, for accept too). The entry and exit programs
 * are netdx_sockio.h's NETDX_SOCKCALL_PROGRAMS, in the caller's process. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "netdx.h"
#include "netdx_filter.h"
#include "netdx_sockio.h"
#include "sofamily.h"

_Static_assert(sizeof(struct sofamily_val) == 16 && __builtin_offsetof(struct sofamily_val, failed) == 8,
	       "sofamily_val is { calls, failed } (netdx_sockcall_add)");

NETDX_AGGREGATE_MAP(calls, sofamily_key, sofamily_val, 8192);

static __always_inline int count(struct sock *sk, bool accept, long ret)
{
	struct sofamily_key key = {
		.pid = bpf_get_current_pid_tgid() >> 32, .family = BPF_CORE_READ(sk, __sk_common.skc_family), .accept = accept,
	};
	bpf_get_current_comm(key.comm, sizeof(key.comm));
	netdx_sockcall_add(&calls, &key, &lost, ret);
	return 0;
}

NETDX_SOCKCALL_PROGRAMS(sofamily, count)

char LICENSE[] SEC("license") = "Dual BSD/GPL";
