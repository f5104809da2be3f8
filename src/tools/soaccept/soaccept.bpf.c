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

static __always_inline int on_exit(struct netdx_sys_call *c, struct sock *sk, long ret)
{
	if (!netdx_sys_wanted(ret, 0))
		return 0;
	struct sock *nsk = ret >= 0 ? netdx_fd_sk(ret) : NULL;
	__u16 lport = sk ? netdx_sk_lport(sk) : 0, rport = nsk ? netdx_sk_rport(nsk) : 0;
	/* -L: the listener's port; -D: the peer's, known once the call returns */
	if (!netdx_lport_ok(lport) || !netdx_rport_ok(rport))
		return 0;
	struct soaccept_event *e = netdx_sys_event(struct soaccept_event, c, ret, sk);
	if (!e)
		return 0;
	e->newfd = ret >= 0 ? ret : -1;
	e->qlen = sk ? BPF_CORE_READ(sk, sk_ack_backlog) : 0;
	e->qmax = sk ? BPF_CORE_READ(sk, sk_max_ack_backlog) : 0;
	e->lport = lport;
	e->rport = rport;
	__u16 family = nsk ? netdx_sk_family(nsk) : 0;
	if (family == AF_INET || family == AF_INET6)
		netdx_sk_addrs(nsk, family, e->laddr, e->raddr);
	bpf_ringbuf_submit(e, BPF_RB_NO_WAKEUP);
	return 0;
}

/* The listener is the socket behind the fd at entry (the filters but -L and -D apply there). */
#define on_enter(fd, upeer, upeer_len) netdx_sys_enter(fd, 0)

/* soaccept_enter_accept, soaccept_exit_accept, soaccept_enter_accept4, soaccept_exit_accept4 */
NETDX_SYS_PROGRAMS(soaccept, accept, on_enter, on_exit)
NETDX_SYS_PROGRAMS(soaccept, accept4, on_enter, on_exit)

char LICENSE[] SEC("license") = "Dual BSD/GPL";
