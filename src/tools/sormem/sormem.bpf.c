// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* sormem: how full each socket's receive buffer is against its limit, and the packets dropped
 * because it was full, aggregated in the kernel per socket:
 *  - sock:sock_recv_length (Linux 6.3+; after each recvmsg, in the reader's process): reads,
 *    bytes, and sk_rmem_alloc * 100 / sk_rcvbuf as a linear histogram of fill %;
 *  - skb:kfree_skb with reason SOCKET_RCVBUFF and rx_sk (Linux 6.11+): a packet dropped because
 *    the receive buffer was full (UDP, ping, raw and others that queue through
 *    sock_queue_rcv_skb; UdpRcvbufErrors counts the UDP ones);
 *  - udp:udp_fail_queue_rcv_skb with its socket (raw_tp, tp_btf): every UDP enqueue failure,
 *    rcvbuf full (ENOMEM) or udp_mem (ENOBUFS).
 * Drops run in softirq: the owner comes from the owner cache (netdx_owner.h), filled at the
 * socket's reads; user space reads it when the interval is read, so a socket that drops first
 * and reads later is named too. (sock:sock_rcvqueue_full fires for ping sockets only, and
 * sock_exceed_buf_limit under global memory pressure only: not used.) */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "netdx.h"
#include "netdx_filter.h"
#include "netdx_owner.h"
#include "netdx_listen.h"
#include "sormem.h"

#define IPPROTO_TCP 6
#define IPPROTO_UDP 17

/* Drained by user space every interval: one entry per socket that read or dropped. */
NETDX_MAP(stats, BPF_MAP_TYPE_HASH, __u64, struct sormem_val, 16384);
NETDX_LOST_MAP(lost);
NETDX_EXPORT(sormem_val);

/* The aggregate of sk (a TCP or UDP socket the filters keep), made at its first sight. */
static __always_inline struct sormem_val *stats_of(struct sock *sk)
{
	__u16 family = BPF_CORE_READ(sk, __sk_common.skc_family);
	if (family != AF_INET && family != AF_INET6)
		return NULL;
	__u8 proto = BPF_CORE_READ_BITFIELD_PROBED(sk, sk_protocol);
	if ((proto != IPPROTO_TCP && proto != IPPROTO_UDP) || !netdx_sk_ok(sk))
		return NULL;
	__u64 key = (__u64)sk;
	struct sormem_val *v = bpf_map_lookup_elem(&stats, &key);
	if (v)
		return v;
	struct sormem_val n = {};
	netdx_sk_addrs(sk, family, n.laddr, n.raddr);
	n.ino = BPF_CORE_READ(sk, sk_socket, file, f_inode, i_ino);
	n.netns = netdx_sk_netns(sk);
	n.lport = netdx_sk_lport(sk);
	n.rport = netdx_sk_rport(sk);
	n.family = family;
	n.proto = proto;
	bpf_map_update_elem(&stats, &key, &n, BPF_NOEXIST);
	v = bpf_map_lookup_elem(&stats, &key);
	if (!v)
		netdx_count(&lost, NETDX_LOST_UNTRACKED);
	return v;
}

/* How full the receive buffer is now, in % of its limit (TCP's limit grows as it auto-tunes). */
static __always_inline __u32 fill_of(struct sormem_val *v, struct sock *sk)
{
	__u32 rmem = BPF_CORE_READ(sk, sk_backlog.rmem_alloc.counter);
	__u32 rcvbuf = BPF_CORE_READ(sk, sk_rcvbuf);
	__u32 pct = rcvbuf ? (__u64)rmem * 100 / rcvbuf : 0;
	v->rcvbuf = rcvbuf;
	if (rmem > v->max_rmem)
		v->max_rmem = rmem;
	if (pct > v->max_pct)
		v->max_pct = pct > 0xffff ? 0xffff : pct;
	return pct;
}

static __always_inline int on_recv(struct sock *sk, int ret)
{
	if (ret <= 0 || !netdx_task_ok())
		return 0;
	struct sormem_val *v = stats_of(sk);
	if (!v)
		return 0;
	netdx_owner_set(sk);
	__u32 slot = netdx_lin_slot(fill_of(v, sk), 10, SORMEM_FILL_SLOTS);
	barrier_var(slot); /* the bound is checked on the register that indexes */
	if (slot < SORMEM_FILL_SLOTS)
		__sync_fetch_and_add(&v->slots[slot], 1);
	__sync_fetch_and_add(&v->reads, 1);
	__sync_fetch_and_add(&v->bytes, ret);
	return 0;
}

SEC("raw_tp/sock_recv_length")
int sormem_recv_raw(struct bpf_raw_tracepoint_args *ctx)
{
	return on_recv((struct sock *)ctx->args[0], (int)ctx->args[1]);
}

SEC("tracepoint/sock/sock_recv_length")
int sormem_recv_tp(struct trace_event_raw_sock_msg_length *ctx)
{
	return on_recv((struct sock *)ctx->sk, ctx->ret);
}

SEC("tp_btf/sock_recv_length")
int BPF_PROG(sormem_recv_btf, struct sock *sk, int ret, int flags)
{
	return on_recv(sk, ret);
}

/* A socket seen in softirq: its aggregate unless -p names another owner (an owner not known
 * yet is kept: user space filters once it has read the cache). */
static __always_inline struct sormem_val *softirq_stats(struct sock *sk)
{
	if (netdx_proc_filtered()) {
		struct netdx_owner *o = netdx_owner_get(sk);
		if (o && !netdx_proc_ok(o->tgid, o->comm))
			return NULL;
	}
	struct sormem_val *v = stats_of(sk);
	if (!v)
		return NULL;
	fill_of(v, sk);
	return v;
}

static __always_inline int on_drop(struct sk_buff *skb, struct sock *sk)
{
	struct sormem_val *v = softirq_stats(sk);
	if (v)
		__sync_fetch_and_add(&v->drops, 1);
	return 0;
}

/* sormem_drop_raw, sormem_drop_tp, sormem_drop_btf */
NETDX_KFREE_SKB_PROGRAMS(sormem_drop, SKB_DROP_REASON_SOCKET_RCVBUFF, on_drop)

static __always_inline int on_udp_fail(struct sock *sk)
{
	struct sormem_val *v = sk ? softirq_stats(sk) : NULL;
	if (v)
		__sync_fetch_and_add(&v->udp_fails, 1);
	return 0;
}

/* The classic tracepoint has no socket (ports and addresses only): raw_tp and tp_btf. */
SEC("raw_tp/udp_fail_queue_rcv_skb")
int sormem_udpfail_raw(struct bpf_raw_tracepoint_args *ctx)
{
	return on_udp_fail((struct sock *)ctx->args[1]);
}

SEC("tp_btf/udp_fail_queue_rcv_skb")
int BPF_PROG(sormem_udpfail_btf, int rc, struct sock *sk)
{
	return on_udp_fail(sk);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
