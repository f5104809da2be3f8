/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Entry programs on sock:sock_send_length and sock:sock_recv_length (Linux 6.3+), written once for
 * the tools that count socket I/O (socketio, tcptop, socksize, sockstat). The kernel fires them at
 * the end of every sock_sendmsg()/sock_recvmsg() (send, write, sendmsg, sendmmsg per message,
 * their receive twins, splice to a socket), in the calling process: `current` is the socket's
 * user, no owner cache is needed. Netlink and unix sockets fire them too: only IPv4/IPv6 TCP and
 * UDP sockets reach the tool.
 *
 * NETDX_SOCKIO_PROGRAMS(prefix, fn) defines prefix_send_btf/prefix_recv_btf (tp_btf: the socket's
 * fields are plain loads, the cheapest per call), prefix_send_raw/prefix_recv_raw (raw_tp) and
 * prefix_send_tp/prefix_recv_tp (the classic tracepoint); user space loads one pair
 * (core/kit/sockio.ts). Each
 * applies the shared filters (process, cgroup, namespace, family, ports) and calls
 * fn(const struct netdx_sockio *io, bool direct) (direct: io->sk is a BTF pointer, its fields
 * plain loads).
 *
 * Also for the socket syscalls: NETDX_SOCKCALL_PROGRAMS (connect and accept with their results: sofamily,
 * soprotocol). */
#ifndef NETDX_SOCKIO_H
#define NETDX_SOCKIO_H

#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "netdx.h"
#include "netdx_filter.h"
#include "netdx_fd.h"

#define NETDX_IPPROTO_TCP 6
#define NETDX_IPPROTO_UDP 17
#define NETDX_MSG_PEEK 2

/* One send or receive call. */
struct netdx_sockio {
	struct sock *sk;
	__s32 ret;          /* what the call returned: bytes, or -errno */
	__u32 bytes;        /* bytes moved: 0 for an error or a peek (MSG_PEEK moves nothing) */
	__u16 family;       /* AF_INET or AF_INET6 */
	__u16 lport;        /* host order */
	__u16 rport;        /* 0: an unconnected UDP socket (sendto/recvfrom name the peer per call) */
	__u8 protocol;      /* NETDX_IPPROTO_TCP or NETDX_IPPROTO_UDP */
	__u8 recv;          /* 0 send, 1 receive */
};

/* Fills `io` and applies the shared filters; false: not a call the tool wants. `direct` (a
 * constant: the other branch is compiled out) reads sk's fields with plain loads, which only
 * tp_btf allows (sk is a BTF pointer there); else through bpf_probe_read_kernel. Direct loads
 * take ~100 ns off each call here (bench/toolbox/breakdown.sh: 298 -> 198 ns a run). */
static __always_inline bool netdx_sockio_get(struct netdx_sockio *io, struct sock *sk, int ret, int flags, bool recv, bool direct)
{
	__u16 family = direct ? sk->__sk_common.skc_family : BPF_CORE_READ(sk, __sk_common.skc_family);
	if (family != AF_INET && family != AF_INET6)
		return false;
	__u16 protocol = direct ? BPF_CORE_READ_BITFIELD(sk, sk_protocol) : BPF_CORE_READ_BITFIELD_PROBED(sk, sk_protocol);
	if (protocol != NETDX_IPPROTO_TCP && protocol != NETDX_IPPROTO_UDP)
		return false;
	if (!netdx_family_ok(family) || !netdx_task_ok())
		return false;
	if (filter_netns && (direct ? sk->__sk_common.skc_net.net->ns.inum : netdx_sk_netns(sk)) != filter_netns)
		return false;
	/* inet_sport lies beyond struct sock for the verifier: skc_num, the same port in host order
	 * while the socket is hashed (a socket being closed may have zeroed it: then inet_sport) */
	io->lport = direct ? sk->__sk_common.skc_num : 0;
	if (!io->lport)
		io->lport = netdx_sk_lport(sk);
	io->rport = bpf_ntohs(direct ? sk->__sk_common.skc_dport : BPF_CORE_READ(sk, __sk_common.skc_dport));
	if (!netdx_lport_ok(io->lport) || !netdx_rport_ok(io->rport))
		return false;
	io->sk = sk;
	io->ret = ret;
	io->bytes = ret > 0 && !(recv && (flags & NETDX_MSG_PEEK)) ? ret : 0;
	io->family = family;
	io->protocol = protocol;
	io->recv = recv;
	return true;
}

#define NETDX_SOCKIO_PROGRAMS(PREFIX, FN)                                                   \
	static __always_inline int PREFIX##_io(struct sock *sk, int ret, int flags, bool recv, bool direct) \
	{                                                                                   \
		struct netdx_sockio io;                                                     \
		if (!netdx_sockio_get(&io, sk, ret, flags, recv, direct))                   \
			return 0;                                                           \
		return FN(&io, direct);                                                     \
	}                                                                                   \
	SEC("raw_tp/sock_send_length")                                                      \
	int PREFIX##_send_raw(struct bpf_raw_tracepoint_args *ctx)                          \
	{                                                                                   \
		return PREFIX##_io((struct sock *)ctx->args[0], (int)ctx->args[1], (int)ctx->args[2], false, false); \
	}                                                                                   \
	SEC("raw_tp/sock_recv_length")                                                      \
	int PREFIX##_recv_raw(struct bpf_raw_tracepoint_args *ctx)                          \
	{                                                                                   \
		return PREFIX##_io((struct sock *)ctx->args[0], (int)ctx->args[1], (int)ctx->args[2], true, false); \
	}                                                                                   \
	SEC("tracepoint/sock/sock_send_length")                                             \
	int PREFIX##_send_tp(struct trace_event_raw_sock_msg_length *ctx)                   \
	{                                                                                   \
		return PREFIX##_io((struct sock *)ctx->sk, ctx->ret, ctx->flags, false, false); \
	}                                                                                   \
	SEC("tracepoint/sock/sock_recv_length")                                             \
	int PREFIX##_recv_tp(struct trace_event_raw_sock_msg_length *ctx)                   \
	{                                                                                   \
		return PREFIX##_io((struct sock *)ctx->sk, ctx->ret, ctx->flags, true, false); \
	}                                                                                   \
	SEC("tp_btf/sock_send_length")                                                      \
	int BPF_PROG(PREFIX##_send_btf, struct sock *sk, int ret, int flags)                \
	{                                                                                   \
		return PREFIX##_io(sk, ret, flags, false, true);                            \
	}                                                                                   \
	SEC("tp_btf/sock_recv_length")                                                      \
	int BPF_PROG(PREFIX##_recv_btf, struct sock *sk, int ret, int flags)                \
	{                                                                                   \
		return PREFIX##_io(sk, ret, flags, true, true);                             \
	}

#define NETDX_EINPROGRESS 115

/* connect() and accept(): the socket of the call's fd, kept at the syscall's entry per thread
 * (a thread makes one call at a time), and the call's result at its exit (the syscall
 * tracepoints, in the caller's process). NETDX_SOCKCALL_PROGRAMS(prefix, fn) defines the map
 * prefix_calls and the programs prefix_connect_enter/_exit, prefix_accept_enter/_exit and
 * prefix_accept4_enter/_exit (core/kit/sockio.ts sockcallVariant()), which apply the process,
 * cgroup, namespace and family filters at entry and call fn(struct sock *sk, bool accept,
 * long ret) at exit: sk is the connecting socket or the listener, any family (unix too). */
#define NETDX_SOCKCALL_PROGRAMS(PREFIX, FN)                                                  \
	struct {                                                                            \
		__uint(type, BPF_MAP_TYPE_HASH);                                            \
		__uint(max_entries, 16384);                                                 \
		__type(key, __u64);                                                         \
		__type(value, __u64);                                                       \
	} PREFIX##_calls SEC(".maps");                                                      \
	static __always_inline int PREFIX##_enter(long fd)                                  \
	{                                                                                   \
		if (!netdx_task_ok())                                                       \
			return 0;                                                           \
		struct sock *sk = netdx_fd_sk(fd);                                          \
		if (!sk || !netdx_netns_ok(sk) || !netdx_family_ok(BPF_CORE_READ(sk, __sk_common.skc_family))) \
			return 0;                                                           \
		__u64 id = bpf_get_current_pid_tgid(), v = (__u64)sk;                       \
		bpf_map_update_elem(&PREFIX##_calls, &id, &v, BPF_ANY);                     \
		return 0;                                                                   \
	}                                                                                   \
	static __always_inline int PREFIX##_exit(long ret, bool accept)                     \
	{                                                                                   \
		__u64 id = bpf_get_current_pid_tgid();                                      \
		__u64 *v = bpf_map_lookup_elem(&PREFIX##_calls, &id);                       \
		if (!v)                                                                     \
			return 0;                                                           \
		struct sock *sk = (struct sock *)*v;                                        \
		bpf_map_delete_elem(&PREFIX##_calls, &id);                                  \
		return FN(sk, accept, ret);                                                 \
	}                                                                                   \
	NETDX_SOCKCALL_PAIR(PREFIX, connect, false)                                         \
	NETDX_SOCKCALL_PAIR(PREFIX, accept, true)                                           \
	NETDX_SOCKCALL_PAIR(PREFIX, accept4, true)

#define NETDX_SOCKCALL_PAIR(PREFIX, CALL, ACCEPT)                                          \
	SEC("tracepoint/syscalls/sys_enter_" #CALL)                                         \
	int PREFIX##_##CALL##_enter(struct trace_event_raw_sys_enter *ctx)                  \
	{                                                                                   \
		return PREFIX##_enter((long)ctx->args[0]);                                  \
	}                                                                                   \
	SEC("tracepoint/syscalls/sys_exit_" #CALL)                                          \
	int PREFIX##_##CALL##_exit(struct trace_event_raw_sys_exit *ctx)                    \
	{                                                                                   \
		return PREFIX##_exit(ctx->ret, ACCEPT);                                     \
	}

/* The calling task's network namespace passes the namespace filter: for calls that have no socket
 * yet (socket()). */

/* Counts one connect or accept that returned `ret` at `key` of `map`, whose values are two __u64:
 * calls, and those that failed (an error other than EINPROGRESS, a connect under way). */
static __always_inline void netdx_sockcall_add(void *map, const void *key, void *lost, long ret)
{
	static const __u64 zero[2];
	__u64 *v = netdx_agg_get(map, key, zero, lost);
	if (!v)
		return;
	__sync_fetch_and_add(&v[0], 1);
	if (ret < 0 && ret != -NETDX_EINPROGRESS)
		__sync_fetch_and_add(&v[1], 1);
}

#endif
