// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* solisten: every listen() call with the backlog asked, the effective limit and the address,
 * on the syscall tracepoints sys_enter_listen/sys_exit_listen (BCC's solisten uses a kprobe on
 * inet_listen). listen() caps the backlog at net.core.somaxconn of the socket's namespace
 * before the protocol stores it in sk_max_ack_backlog: read there at exit, with the sysctl. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "netdx.h"
#include "netdx_filter.h"
#include "netdx_sys.h"
#include "solisten.h"

NETDX_SYS_EVENT_MAPS(solisten_event);

static __always_inline int on_exit(struct netdx_sys_call *c, struct sock *sk, long ret)
{
	__u16 family = sk ? netdx_sk_family(sk) : 0;
	bool inet = family == AF_INET || family == AF_INET6;
	/* -L: an unbound socket gets its port in the call */
	__u16 lport = inet ? netdx_sk_lport(sk) : 0;
	if (!netdx_sys_wanted(ret, 0) || !netdx_lport_ok(lport))
		return 0;
	struct solisten_event *e = netdx_sys_event(struct solisten_event, c, ret, sk);
	if (!e)
		return 0;
	/* listen() capped the backlog at somaxconn before the protocol stored it */
	e->max_backlog = sk ? BPF_CORE_READ(sk, sk_max_ack_backlog) : 0;
	e->somaxconn = sk ? BPF_CORE_READ(sk, __sk_common.skc_net.net, core.sysctl_somaxconn) : 0;
	e->backlog = c->arg;
	e->lport = lport;
	__u8 peer[16];
	if (inet)
		netdx_sk_addrs(sk, family, e->laddr, peer);
	bpf_ringbuf_submit(e, BPF_RB_NO_WAKEUP);
	return 0;
}

/* The backlog asked for is the call's argument. */
#define on_enter(fd, backlog, unused) netdx_sys_enter(fd, backlog)

/* solisten_enter_listen, solisten_exit_listen */
NETDX_SYS_PROGRAMS(solisten, listen, on_enter, on_exit)

char LICENSE[] SEC("license") = "Dual BSD/GPL";
