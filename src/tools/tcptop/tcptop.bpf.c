// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* tcptop: TCP bytes sent and received per process and connection, aggregated in the kernel (like
 * BCC's tcptop, on tracepoints instead of kprobes on tcp_sendmsg/tcp_cleanup_rbuf). The entry
 * programs are netdx_sockio.h's: they run in the calling process, which is the key's PID. User
 * space drains the aggregates every interval and shows the top flows. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "netdx.h"
#include "netdx_filter.h"
#include "netdx_sockio.h"
#include "tcptop.h"

NETDX_AGGREGATE_MAP(flows, tcptop_key, tcptop_val, 16384);

static __always_inline int count(const struct netdx_sockio *c, bool direct)
{
	if (c->protocol != NETDX_IPPROTO_TCP || !c->bytes)
		return 0;
	struct tcptop_key key = {
		.pid = bpf_get_current_pid_tgid() >> 32, .lport = c->lport, .rport = c->rport, .family = c->family,
	};
	netdx_sk_addrs_d(c->sk, c->family, key.laddr, key.raddr, direct);
	struct tcptop_val *v = NETDX_AGG_GET_NAMED(&flows, &key, tcptop_val);
	if (!v)
		return 0;
	if (c->recv)
		__sync_fetch_and_add(&v->rx_bytes, c->bytes);
	else
		__sync_fetch_and_add(&v->tx_bytes, c->bytes);
	return 0;
}

NETDX_SOCKIO_PROGRAMS(tcptop, count)

char LICENSE[] SEC("license") = "Dual BSD/GPL";
