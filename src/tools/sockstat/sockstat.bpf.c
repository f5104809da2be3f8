// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* sockstat: socket calls by kind (socket, bind, listen, connect, accept, send, receive), counted
 * in the kernel on IPv4 and IPv6 sockets (like the BPF book's sockstat.bt, on tracepoints only).
 *
 * The syscalls are counted at their entry (syscalls:sys_enter_*), in the caller's process: socket()
 * by its family argument, the others by the family of the socket their fd names (fd -> struct
 * file -> struct socket -> sk, netdx_sockio.h's netdx_fd_sk). Sends and receives come from
 * netdx_sockio.h's programs on sock_send_length/sock_recv_length. The network namespace filter
 * is the socket's, or for socket() the caller's. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "netdx.h"
#include "netdx_filter.h"
#include "netdx_sockio.h"
#include "sockstat.h"

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, SOCKSTAT_KINDS);
	__type(key, __u32);
	__type(value, __u64);
} counts SEC(".maps");

NETDX_LOST_MAP(lost);

static __always_inline void count(__u32 kind)
{
	static const __u64 zero;
	__u64 *n = netdx_agg_get(&counts, &kind, &zero, &lost);
	if (n)
		__sync_fetch_and_add(n, 1);
}

static __always_inline int on_io(const struct netdx_sockio *c, bool direct)
{
	count(c->recv ? SOCKSTAT_RECV : SOCKSTAT_SEND);
	return 0;
}

NETDX_SOCKIO_PROGRAMS(sockstat, on_io)

/* A syscall on the socket of `fd`: counted when it is an IPv4/IPv6 socket the filters want. */
static __always_inline int on_fd(long fd, __u32 kind)
{
	if (!netdx_task_ok())
		return 0;
	struct sock *sk = netdx_fd_sk(fd);
	if (!sk)
		return 0;
	__u16 family = BPF_CORE_READ(sk, __sk_common.skc_family);
	if ((family == AF_INET || family == AF_INET6) && netdx_family_ok(family) && netdx_netns_ok(sk))
		count(kind);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_socket")
int sockstat_socket(struct trace_event_raw_sys_enter *ctx)
{
	__u16 family = (__u16)ctx->args[0];
	if ((family == AF_INET || family == AF_INET6) && netdx_family_ok(family) && netdx_task_ok() && netdx_task_netns_ok())
		count(SOCKSTAT_SOCKET);
	return 0;
}

/* The syscalls whose first argument is the socket's fd: sockstat_bind, _listen, ... */
#define SOCKSTAT_FD_PROGRAM(SYSCALL, KIND)                                   \
	SEC("tracepoint/syscalls/sys_enter_" #SYSCALL)                      \
	int sockstat_##SYSCALL(struct trace_event_raw_sys_enter *ctx)        \
	{                                                                    \
		return on_fd((long)ctx->args[0], KIND);                      \
	}

SOCKSTAT_FD_PROGRAM(bind, SOCKSTAT_BIND)
SOCKSTAT_FD_PROGRAM(listen, SOCKSTAT_LISTEN)
SOCKSTAT_FD_PROGRAM(connect, SOCKSTAT_CONNECT)
SOCKSTAT_FD_PROGRAM(accept, SOCKSTAT_ACCEPT)
SOCKSTAT_FD_PROGRAM(accept4, SOCKSTAT_ACCEPT)

char LICENSE[] SEC("license") = "Dual BSD/GPL";
