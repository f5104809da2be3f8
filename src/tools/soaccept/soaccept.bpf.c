// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* soaccept: every accept() and accept4() call with the listener's port, the peer, the new fd,
 * the time the caller waited and the result, on the syscall tracepoints (as BCC's and bpftrace's
 * soaccept; tcpaccept's kretprobe on inet_csk_accept is not needed). At entry the listener is
 * the socket behind the fd (netdx_sys.h); at exit, in the same thread, the new fd's socket gives
 * both ends, and the listener's queue what is left. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "netdx.h"
#include "netdx_filter.h"
#include "netdx_sys.h"
#include "soaccept.h"

NETDX_SYS_EVENT_MAPS(soaccept_event);

static __always_inline int on_enter(long fd, long upeer, long upeer_len)
{
	struct netdx_sys_call c = {};
	if (!netdx_sys_begin(&c, fd, 0))
		return 0;
	/* -L: the listener's port */
	if (!netdx_lport_ok(c.sk ? netdx_sk_lport((struct sock *)c.sk) : 0))
		return 0;
	netdx_sys_save(&calls, &lost, &c);
	return 0;
}

static __always_inline int on_exit(long ret)
{
	struct netdx_sys_call c;
	if (!netdx_sys_end(&calls, &c) || !netdx_sys_wanted(ret, 0))
		return 0;
	struct sock *sk = (struct sock *)c.sk;
	struct sock *nsk = ret >= 0 ? netdx_fd_sk(ret) : NULL;
	__u16 rport = nsk ? netdx_sk_rport(nsk) : 0;
	/* -D: the peer's port, known once the call returns */
	if (!netdx_rport_ok(rport))
		return 0;
	struct soaccept_event *e = netdx_sys_event(struct soaccept_event, &c, ret, sk);
	if (!e)
		return 0;
	e->newfd = ret >= 0 ? ret : -1;
	e->qlen = sk ? BPF_CORE_READ(sk, sk_ack_backlog) : 0;
	e->qmax = sk ? BPF_CORE_READ(sk, sk_max_ack_backlog) : 0;
	e->lport = sk ? netdx_sk_lport(sk) : 0;
	e->rport = rport;
	e->_pad = 0;
	__u16 family = nsk ? netdx_sk_family(nsk) : 0;
	if (family == AF_INET || family == AF_INET6) {
		netdx_sk_addrs(nsk, family, e->laddr, e->raddr);
	} else {
		__builtin_memset(e->laddr, 0, sizeof(e->laddr));
		__builtin_memset(e->raddr, 0, sizeof(e->raddr));
	}
	bpf_ringbuf_submit(e, BPF_RB_NO_WAKEUP);
	return 0;
}

/* soaccept_enter_accept, soaccept_exit_accept, soaccept_enter_accept4, soaccept_exit_accept4 */
NETDX_SYS_PROGRAMS(soaccept, accept, on_enter, on_exit)
NETDX_SYS_PROGRAMS(soaccept, accept4, on_enter, on_exit)

char LICENSE[] SEC("license") = "Dual BSD/GPL";
