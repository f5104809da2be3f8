// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* bindsnoop: every bind() of an IPv4, IPv6 or unix socket, with the address and port asked, the
 * port bound, the socket's options that change what bind() does (SO_REUSEADDR, SO_REUSEPORT,
 * IP_FREEBIND, IP_TRANSPARENT, IP_BIND_ADDRESS_NO_PORT, SO_BINDTODEVICE) and the result, on the
 * syscall tracepoints sys_enter_bind/sys_exit_bind (BCC's bindsnoop uses kprobes on
 * inet_bind/inet6_bind). The options are read from the socket at exit: the call's own view. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "netdx.h"
#include "netdx_filter.h"
#include "netdx_sys.h"
#include "bindsnoop.h"

NETDX_SYS_EVENT_MAPS(bindsnoop_event);

static __always_inline int on_enter(long fd, long uaddr, long addrlen)
{
	struct netdx_sys_call c = {};
	if (!netdx_sys_begin(&c, fd, 0) || !c.sk)
		return 0;
	__u16 family = netdx_sk_family((struct sock *)c.sk);
	if (family != AF_INET && family != AF_INET6 && family != AF_UNIX)
		return 0; /* netlink and packet sockets bind too: not this tool's */
	netdx_read_sockaddr(&c.sa, (const void *)uaddr, addrlen);
	netdx_sys_save(&calls, &lost, &c);
	return 0;
}

/* inet_sock's option bits (an unnamed enum; inet_flags since Linux 6.6: 0 before) */
static __always_inline __u16 inet_opts(struct sock *sk)
{
	struct inet_sock *inet = (struct inet_sock *)sk;
	__u16 o = 0;
	if (BPF_CORE_READ_BITFIELD_PROBED(sk, __sk_common.skc_reuse))
		o |= BINDSNOOP_REUSEADDR;
	if (BPF_CORE_READ_BITFIELD_PROBED(sk, __sk_common.skc_reuseport))
		o |= BINDSNOOP_REUSEPORT;
	if (!bpf_core_field_exists(inet->inet_flags))
		return o;
	unsigned long f = BPF_CORE_READ(inet, inet_flags);
	if (f & (1UL << INET_FLAGS_FREEBIND))
		o |= BINDSNOOP_FREEBIND;
	if (f & (1UL << INET_FLAGS_TRANSPARENT))
		o |= BINDSNOOP_TRANSPARENT;
	if (f & (1UL << INET_FLAGS_BIND_ADDRESS_NO_PORT))
		o |= BINDSNOOP_NO_PORT;
	return o;
}

static __always_inline int on_exit(struct netdx_sys_call *c, struct sock *sk, long ret)
{
	__u16 family = netdx_sk_family(sk);
	bool inet = family == AF_INET || family == AF_INET6;
	/* inet_num, set by a successful bind (inet_sport may keep a failed connect()'s port) */
	__u16 bound = inet && ret == 0 ? BPF_CORE_READ(sk, __sk_common.skc_num) : 0;
	/* -L: the port bound, or the one asked for when none is */
	if (!netdx_sys_wanted(ret, 0) || !netdx_lport_ok(bound ? bound : c->sa.port))
		return 0;
	__u16 opts = inet ? inet_opts(sk) : 0;
	struct bindsnoop_event *e = netdx_sys_event(struct bindsnoop_event, c, ret, sk);
	if (!e)
		return 0;
	e->opts = opts;
	e->bound_port = bound;
	e->ifindex = BPF_CORE_READ(sk, __sk_common.skc_bound_dev_if);
	NETDX_SYS_EVENT_SOCKADDR(e, c);
	bpf_ringbuf_submit(e, BPF_RB_NO_WAKEUP);
	return 0;
}

/* bindsnoop_enter_bind, bindsnoop_exit_bind */
NETDX_SYS_PROGRAMS(bindsnoop, bind, on_enter, on_exit)

char LICENSE[] SEC("license") = "Dual BSD/GPL";
