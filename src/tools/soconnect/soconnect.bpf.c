// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* soconnect: every connect() call, any family and protocol, blocking or not, with its address,
 * latency and result, on the syscall tracepoints sys_enter_connect/sys_exit_connect (as BCC's
 * and bpftrace's soconnect; no kprobe). The entry reads the sockaddr and the socket behind the
 * fd (netdx_sys.h); the exit, in the same thread, sends the event with the local port the
 * call chose. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "netdx.h"
#include "netdx_filter.h"
#include "netdx_sys.h"
#include "soconnect.h"

#define EINPROGRESS 115

NETDX_SYS_EVENT_MAPS(soconnect_event);

static __always_inline int on_enter(long fd, long uaddr, long addrlen)
{
	struct netdx_sys_call c = {};
	/* -D: the port asked for (a unix path has none) */
	if (netdx_sys_begin_addr(&c, fd, uaddr, addrlen))
		netdx_sys_save(&calls, &lost, &c);
	return 0;
}

static __always_inline int on_exit(struct netdx_sys_call *c, struct sock *sk, long ret)
{
	/* the local port is chosen in the call (TCP and UDP alike), even when it fails later */
	__u16 lport = sk ? netdx_sk_lport(sk) : 0;
	if (!netdx_sys_wanted(ret, EINPROGRESS) || !netdx_lport_ok(lport))
		return 0;
	struct soconnect_event *e = netdx_sys_event(struct soconnect_event, c, ret, sk);
	if (!e)
		return 0;
	NETDX_SYS_EVENT_SOCKADDR(e, c);
	e->lport = lport;
	bpf_ringbuf_submit(e, BPF_RB_NO_WAKEUP);
	return 0;
}

/* soconnect_enter_connect, soconnect_exit_connect */
NETDX_SYS_PROGRAMS(soconnect, connect, on_enter, on_exit)

char LICENSE[] SEC("license") = "Dual BSD/GPL";
