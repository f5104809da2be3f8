/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The socket-owner cache: which process owns a socket, remembered where the kernel runs in that
 * process (connect, listen, accept, send and receive) and read where it does not. TCP state
 * changes, retransmits and drops often run in softirq, where `current` is whatever task the
 * interrupt landed on (the sending peer on loopback): reading the PID there is bcc #2304's bug.
 *
 * An LRU map keyed by the socket's address: old sockets age out, and a new socket clears what a
 * freed one at the same address left (at SYN_RECV) or overwrites it (at SYN_SENT, LISTEN). */
#ifndef NETDX_OWNER_H
#define NETDX_OWNER_H

#include <bpf/bpf_tracing.h>
#include "netdx.h"
#include "netdx_fd.h"

struct netdx_owner {
	__u32 tgid;
	__u32 pid;
	char comm[TASK_COMM_LEN];
};

#ifndef NETDX_OWNER_ENTRIES
#define NETDX_OWNER_ENTRIES 65536
#endif

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, NETDX_OWNER_ENTRIES);
	__type(key, __u64);
	__type(value, struct netdx_owner);
} netdx_owners SEC(".maps");

/* Process context only: the current task owns sk. */
static __always_inline void netdx_owner_set(struct sock *sk)
{
	__u64 key = (__u64)sk;
	__u64 id = bpf_get_current_pid_tgid();
	struct netdx_owner *o = bpf_map_lookup_elem(&netdx_owners, &key);
	if (o && o->tgid == id >> 32)
		return; /* the common case on send and receive: nothing to write */
	struct netdx_owner n = { .tgid = id >> 32, .pid = (__u32)id };
	bpf_get_current_comm(n.comm, sizeof(n.comm));
	bpf_map_update_elem(&netdx_owners, &key, &n, BPF_ANY);
}

static __always_inline struct netdx_owner *netdx_owner_get(struct sock *sk)
{
	__u64 key = (__u64)sk;
	return bpf_map_lookup_elem(&netdx_owners, &key);
}

static __always_inline void netdx_owner_clear(struct sock *sk)
{
	__u64 key = (__u64)sk;
	bpf_map_delete_elem(&netdx_owners, &key);
}

/* A socket seen for the first time: the current task owns it when this is its own process
 * context (connect, listen); otherwise what the cache holds for its address is a freed socket's,
 * and the owner is unknown until accept(), a send or a receive names it. */
static __always_inline void netdx_owner_born(struct sock *sk, bool in_owner)
{
	if (in_owner)
		netdx_owner_set(sk);
	else
		netdx_owner_clear(sk);
}

/* For tools on sock:inet_sock_set_state. connect() (CLOSE->SYN_SENT) and listen() (->LISTEN)
 * run in the owner: it is set. A passive child (->SYN_RECV, softirq) is born with no owner until
 * accept(): what the cache held for its address is cleared. close() and shutdown() (->FIN_WAIT1,
 * ->LAST_ACK) and a listener's close (LISTEN->CLOSE) run in the owner too: they name the owner of
 * a socket born or accepted before tracing began, when none is known. */
static __always_inline void netdx_owner_on_state(struct sock *sk, int oldstate, int newstate)
{
	if (newstate == NETDX_TCP_SYN_SENT || newstate == NETDX_TCP_LISTEN)
		netdx_owner_set(sk);
	else if (newstate == NETDX_TCP_SYN_RECV)
		netdx_owner_clear(sk);
	else if ((newstate == NETDX_TCP_FIN_WAIT1 || newstate == NETDX_TCP_LAST_ACK ||
		  (oldstate == NETDX_TCP_LISTEN && newstate == NETDX_TCP_CLOSE)) && !netdx_owner_get(sk))
		netdx_owner_set(sk);
}

/* accept() returned fd `ret`: its socket belongs to the calling process. */
static __always_inline struct sock *netdx_owner_on_accept(long ret)
{
	struct sock *sk = netdx_fd_sk(ret);
	if (sk)
		netdx_owner_set(sk);
	return sk;
}

/* The programs that fill the cache from accept, named PREFIX_accept4 and PREFIX_accept (user
 * space loads them with the tool's own: core/kit ownerPrograms()). */
#define NETDX_OWNER_ACCEPT_PROGRAMS(PREFIX)                                       \
	SEC("tracepoint/syscalls/sys_exit_accept4")                              \
	int PREFIX##_accept4(struct trace_event_raw_sys_exit *ctx)                \
	{                                                                         \
		netdx_owner_on_accept(ctx->ret);                                  \
		return 0;                                                         \
	}                                                                         \
	SEC("tracepoint/syscalls/sys_exit_accept")                               \
	int PREFIX##_accept(struct trace_event_raw_sys_exit *ctx)                 \
	{                                                                         \
		netdx_owner_on_accept(ctx->ret);                                  \
		return 0;                                                         \
	}

/* Send and receive (sock:sock_send_length/sock_recv_length, Linux 6.3+): process context for
 * TCP and UDP alike; netlink and unix sockets fire them too and are skipped. Named PREFIX_send
 * and PREFIX_recv (raw_tp), PREFIX_send_btf and PREFIX_recv_btf (tp_btf: the family by a plain
 * load; they run at every send and receive of the machine, so the cheaper the better). */
#define NETDX_OWNER_IO_PROGRAMS(PREFIX)                                           \
	static __always_inline void PREFIX##_io(struct sock *sk, bool direct)     \
	{                                                                         \
		__u16 f = direct ? sk->__sk_common.skc_family                     \
				 : BPF_CORE_READ(sk, __sk_common.skc_family);     \
		if (f == AF_INET || f == AF_INET6)                                \
			netdx_owner_set(sk);                                      \
	}                                                                         \
	SEC("raw_tp/sock_send_length")                                            \
	int PREFIX##_send(struct bpf_raw_tracepoint_args *ctx)                    \
	{                                                                         \
		PREFIX##_io((struct sock *)ctx->args[0], false);                  \
		return 0;                                                         \
	}                                                                         \
	SEC("raw_tp/sock_recv_length")                                            \
	int PREFIX##_recv(struct bpf_raw_tracepoint_args *ctx)                    \
	{                                                                         \
		PREFIX##_io((struct sock *)ctx->args[0], false);                  \
		return 0;                                                         \
	}                                                                         \
	SEC("tp_btf/sock_send_length")                                            \
	int BPF_PROG(PREFIX##_send_btf, struct sock *sk)                          \
	{                                                                         \
		PREFIX##_io(sk, true);                                            \
		return 0;                                                         \
	}                                                                         \
	SEC("tp_btf/sock_recv_length")                                            \
	int BPF_PROG(PREFIX##_recv_btf, struct sock *sk)                          \
	{                                                                         \
		PREFIX##_io(sk, true);                                            \
		return 0;                                                         \
	}

#endif
