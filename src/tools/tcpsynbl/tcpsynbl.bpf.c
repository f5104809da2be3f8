// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* tcpsynbl: each listener's accept queue (and SYN queue) against its listen() limit, and the
 * final ACKs it dropped because the accept queue was full. Like BCC's tcpsynbl (a kprobe on
 * tcp_v4_syn_recv_sock), on tracepoints only, aggregated in the kernel per listener and limit:
 *  - sock:inet_sock_set_state LISTEN->SYN_RECV fires on the new child, whose sk_ack_backlog and
 *    sk_max_ack_backlog are the listener's, copied before the child is added: the queue's length
 *    and its limit at each completed handshake;
 *  - skb:kfree_skb with reason TCP_LISTEN_OVERFLOW (rx_sk: the listener, Linux 6.11+): a final
 *    ACK that found the accept queue full (the handshake stays half-open, the client retries);
 *  - net:net_dev_queue of a SYN-ACK, whose skb->sk is the request socket (NEW_SYN_RECV): the SYN
 *    queue's length (request sockets, the new one included) through req->rsk_listener.
 * A SYN refused because the accept queue was already full has no event of its own (the kernel
 * counts it in ListenOverflows and consumes the SYN): it is not counted here.
 *
 * Every hook but listen() and accept() runs in softirq, where `current` is not the listener's
 * owner: owners are kept per port, set at listen() and at accept() (process context), and the
 * listener's socket inode otherwise, which user space looks up in /proc. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "netdx.h"
#include "netdx_filter.h"
/* the cache is used only to find accept()'s listener from its fd */
#define NETDX_OWNER_ENTRIES 1024
#include "netdx_owner.h"
#include "netdx_tcpstate.h"
#include "netdx_listen.h"
#include "tcpsynbl.h"

_Static_assert(sizeof(((struct tcpsynbl_val *)0)->slots) == sizeof(struct netdx_hist),
	       "tcpsynbl_val.slots is a struct netdx_hist");

/* Drained by user space every interval: one entry per (listener, limit) that saw a handshake. */
NETDX_MAP(stats, BPF_MAP_TYPE_HASH, struct tcpsynbl_key, struct tcpsynbl_val, 4096);
/* Who owns each listening port (kept across intervals). */
NETDX_MAP(owners, BPF_MAP_TYPE_LRU_HASH, struct tcpsynbl_lkey, struct tcpsynbl_owner, 4096);

NETDX_LOST_MAP(lost);
NETDX_EXPORT(tcpsynbl_key);
NETDX_EXPORT(tcpsynbl_val);
NETDX_EXPORT(tcpsynbl_lkey);
NETDX_EXPORT(tcpsynbl_owner);

static __always_inline void lkey_of(struct sock *sk, struct tcpsynbl_lkey *k)
{
	k->netns = netdx_sk_netns(sk);
	k->lport = netdx_sk_lport(sk);
	k->family = BPF_CORE_READ(sk, __sk_common.skc_family);
}

/* The listener sk is in its owner's process (listen, accept): the owner is the current task.
 * Elsewhere only its inode is kept, once. */
static __always_inline void remember(struct sock *sk, bool in_owner)
{
	struct tcpsynbl_lkey k;
	lkey_of(sk, &k);
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	struct tcpsynbl_owner *o = bpf_map_lookup_elem(&owners, &k);
	if (o && (!in_owner || o->tgid == tgid))
		return;
	struct tcpsynbl_owner n = {};
	n.ino = BPF_CORE_READ(sk, sk_socket, file, f_inode, i_ino);
	if (in_owner) {
		n.tgid = tgid;
		bpf_get_current_comm(n.comm, sizeof(n.comm));
	}
	bpf_map_update_elem(&owners, &k, &n, BPF_ANY);
}

/* The aggregate of the listener sk (or of a child, which carries the listener's port, family
 * and limit), or NULL when the filters leave it out or the table is full. */
static __always_inline struct tcpsynbl_val *stats_of(struct sock *sk)
{
	struct tcpsynbl_key k = {};
	struct tcpsynbl_lkey lk;
	lkey_of(sk, &lk);
	if (filter_netns && lk.netns != filter_netns)
		return NULL;
	if (!netdx_family_ok(lk.family) || !netdx_lport_ok(lk.lport))
		return NULL;
	if (filter_tgid) {
		/* an owner not known yet is kept: user space finds it by the inode, and filters */
		struct tcpsynbl_owner *o = bpf_map_lookup_elem(&owners, &lk);
		if (o && o->tgid && o->tgid != filter_tgid)
			return NULL;
	}
	k.netns = lk.netns;
	k.lport = lk.lport;
	k.family = lk.family;
	k.limit = BPF_CORE_READ(sk, sk_max_ack_backlog);
	struct tcpsynbl_val *v = bpf_map_lookup_elem(&stats, &k);
	if (v)
		return v;
	struct tcpsynbl_val zero = {};
	bpf_map_update_elem(&stats, &k, &zero, BPF_NOEXIST);
	v = bpf_map_lookup_elem(&stats, &k);
	if (!v)
		netdx_count(&lost, NETDX_LOST_UNTRACKED);
	return v;
}

/* The accept queue's length (before an add) into the histogram. */
static __always_inline void add_queue_len(struct tcpsynbl_val *v, __u32 len)
{
	netdx_hist_add((struct netdx_hist *)v->slots, len);
}

static __always_inline int on_state(struct sock *sk, int oldstate, int newstate)
{
	if (newstate == NETDX_TCP_LISTEN) {
		remember(sk, true);
		return 0;
	}
	if (oldstate != NETDX_TCP_LISTEN || newstate != NETDX_TCP_SYN_RECV)
		return 0;
	/* the child, cloned from the listener before it is queued */
	struct tcpsynbl_val *v = stats_of(sk);
	if (!v)
		return 0;
	__u32 len = BPF_CORE_READ(sk, sk_ack_backlog);
	add_queue_len(v, len);
	__sync_fetch_and_add(&v->conns, 1);
	if (len + 1 > v->max_queue)
		v->max_queue = len + 1;
	return 0;
}

/* tcpsynbl_raw, tcpsynbl_tp, tcpsynbl_btf */
NETDX_TCP_STATE_PROGRAMS(tcpsynbl, on_state)

/* The aggregate of the listener behind sk (the listener or a request socket), in softirq; *lp
 * is the listener. */
static __always_inline struct tcpsynbl_val *listener_stats(struct sock *sk, struct sock **lp)
{
	struct sock *l = netdx_listener_of(sk);
	if (!l)
		return NULL;
	*lp = l;
	struct tcpsynbl_val *v = stats_of(l);
	if (v)
		remember(l, false);
	return v;
}

static __always_inline int on_overflow(struct sk_buff *skb, struct sock *sk)
{
	struct sock *l;
	struct tcpsynbl_val *v = listener_stats(sk, &l);
	if (!v)
		return 0;
	/* the queue the ACK found: longer than the limit */
	add_queue_len(v, BPF_CORE_READ(l, sk_ack_backlog));
	__sync_fetch_and_add(&v->overflows, 1);
	return 0;
}

/* tcpsynbl_drop_raw, tcpsynbl_drop_tp, tcpsynbl_drop_btf */
NETDX_KFREE_SKB_PROGRAMS(tcpsynbl_drop, SKB_DROP_REASON_TCP_LISTEN_OVERFLOW, on_overflow)

static __always_inline int on_xmit(struct sk_buff *skb)
{
	struct sock *sk = BPF_CORE_READ(skb, sk);
	/* most packets: one read or two */
	if (!sk || BPF_CORE_READ(sk, __sk_common.skc_state) != NETDX_TCP_NEW_SYN_RECV)
		return 0;
	struct sock *l;
	struct tcpsynbl_val *v = listener_stats(sk, &l);
	if (!v)
		return 0;
	__u32 synq = BPF_CORE_READ((struct inet_connection_sock *)l, icsk_accept_queue.qlen.counter);
	__sync_fetch_and_add(&v->synacks, 1);
	if (synq > v->max_synq)
		v->max_synq = synq;
	return 0;
}

/* tcpsynbl_xmit_raw, tcpsynbl_xmit_tp, tcpsynbl_xmit_btf */
NETDX_NET_DEV_PROGRAMS(tcpsynbl_xmit, net_dev_queue, on_xmit)

/* accept(listener fd): the listener's owner, in its process. */
static __always_inline void on_accept(long fd)
{
	struct sock *sk = netdx_owner_on_accept(fd);
	if (sk && BPF_CORE_READ(sk, __sk_common.skc_state) == NETDX_TCP_LISTEN)
		remember(sk, true);
}

SEC("tracepoint/syscalls/sys_enter_accept4")
int tcpsynbl_accept4(struct trace_event_raw_sys_enter *ctx)
{
	on_accept(ctx->args[0]);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_accept")
int tcpsynbl_accept(struct trace_event_raw_sys_enter *ctx)
{
	on_accept(ctx->args[0]);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
