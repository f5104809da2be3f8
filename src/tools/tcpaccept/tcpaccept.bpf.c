// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* tcpaccept: each TCP connection accept()/accept4() returns, in the accepting process: at the
 * syscall's exit the new fd leads to its socket (fd -> file -> socket -> sock, netdx_owner.h,
 * which also names the owner in the owner cache) for both ends, and the listening fd, kept at the
 * syscall's entry, to the listener, whose accept queue is read after this dequeue.
 * (BCC's tcpaccept uses a kretprobe on inet_csk_accept; kprobes are not needed here.) */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "netdx_tcpev.h"
#include "tcpaccept.h"

/* The listening fd of each thread inside accept(). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, __s64);
} listening SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4 << 20);
} events SEC(".maps");

NETDX_LOST_MAP(lost);
NETDX_EXPORT(tcpaccept_event);

static __always_inline int on_enter(long fd)
{
	if (!netdx_task_ok())
		return 0;
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	__s64 lfd = fd;
	if (bpf_map_update_elem(&listening, &tid, &lfd, BPF_ANY))
		netdx_count(&lost, NETDX_LOST_UNTRACKED);
	return 0;
}

static __always_inline int on_exit(long ret)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	__s64 *lfd = bpf_map_lookup_elem(&listening, &tid);
	if (!lfd)
		return 0;
	struct sock *listener = netdx_fd_sk(*lfd);
	bpf_map_delete_elem(&listening, &tid);
	struct sock *sk = netdx_owner_on_accept(ret);
	struct netdx_owner *o;
	if (!sk || BPF_CORE_READ_BITFIELD_PROBED(sk, sk_protocol) != IPPROTO_TCP || !netdx_tcpev_ok(sk, &o))
		return 0;
	struct tcpaccept_event ev = { .fd = ret, .tid = tid };
	netdx_tcpev_fill((struct netdx_tcpev_sock *)&ev, sk, o);
	/* after this accept's dequeue (0/0 when the listening fd could not be followed) */
	if (listener) {
		ev.backlog = BPF_CORE_READ(listener, sk_ack_backlog);
		ev.max_backlog = BPF_CORE_READ(listener, sk_max_ack_backlog);
	}
	netdx_tcpev_output(&events, &lost, &ev, sizeof(ev));
	return 0;
}

/* tcpaccept_enterSUFFIX and tcpaccept_exitSUFFIX on the syscall NAME's tracepoints. */
#define TCPACCEPT_SYSCALL(NAME, SUFFIX)                                     \
	SEC("tracepoint/syscalls/sys_enter_" #NAME)                         \
	int tcpaccept_enter##SUFFIX(struct trace_event_raw_sys_enter *ctx)  \
	{                                                                   \
		return on_enter(ctx->args[0]);                              \
	}                                                                   \
	SEC("tracepoint/syscalls/sys_exit_" #NAME)                          \
	int tcpaccept_exit##SUFFIX(struct trace_event_raw_sys_exit *ctx)    \
	{                                                                   \
		return on_exit(ctx->ret);                                   \
	}

TCPACCEPT_SYSCALL(accept4, 4)
TCPACCEPT_SYSCALL(accept, )

char LICENSE[] SEC("license") = "Dual BSD/GPL";
