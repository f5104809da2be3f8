/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Drops of every kind (skb:kfree_skb with its location and reason, any protocol), for the tools
 * that sort them (skbdrop, iproute): the packet's protocols, ends and namespace from the skb, the
 * local port and socket where the kernel names one (the entry programs on skb:kfree_skb are
 * netdx_listen.h's NETDX_KFREE_SKB_ALL_PROGRAMS).
 *
 * Also the accept-queue overflow that is not a drop event: a SYN refused because the listener's
 * accept queue was full is consumed (consume_skb) in tcp_rcv_state_process like an accepted one;
 * only accepted ones are answered. Per listening port: pure SYNs consumed there, SYN-ACKs sent
 * (net_dev_queue: from a request socket, or a syncookie's without one) and SYN-ACKs retransmitted
 * (tcp:tcp_retransmit_synack): refused = SYNs - (SYN-ACKs - retransmits). User space sets the
 * range of tcp_rcv_state_process (from /proc/kallsyms) before load. Programs come as raw_tp,
 * classic tracepoint and tp_btf (NAME_raw, NAME_tp, NAME_btf; user space loads one of each). */
#ifndef NETDX_DROP_H
#define NETDX_DROP_H

#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_tracing.h>
#include "netdx.h"
#include "netdx_filter.h"
#include "netdx_owner.h"
#include "netdx_listen.h"
#include "netdx_sockio.h" /* NETDX_IPPROTO_* */

#define NETDX_ETH_P_IP 0x0800
#define NETDX_ETH_P_IPV6 0x86DD
#define NETDX_TCPF_FIN 0x01
#define NETDX_TCPF_SYN 0x02
#define NETDX_TCPF_RST 0x04
#define NETDX_TCPF_ACK 0x10

/* What a dropped packet's headers say (what is not parsed stays 0). */
struct netdx_drop_pkt {
	__u8 saddr[16];     /* IPv4 in the first 4 bytes */
	__u8 daddr[16];
	__u16 protocol;     /* skb->protocol: the ethertype, host order */
	__u16 family;       /* AF_INET, AF_INET6 when the network header is IP */
	__u16 sport;        /* TCP/UDP ports, host order */
	__u16 dport;
	__u8 ipproto;       /* IPPROTO_* (IPv6 extension headers are not followed) */
	__u8 tcpflags;      /* TCP: the flags byte */
	__u8 _pad[2];
};

/* Only the reasons whose bit is set (bit r % 8 of byte r / 8, r < 256; core/kit/drop.ts
 * reasonFilter()); every reason when filter_reasons is 0. */
const volatile __u32 filter_reasons = 0;
const volatile __u8 reason_mask[32] = {};

static __always_inline bool netdx_drop_reason_ok(__u32 reason)
{
	if (!filter_reasons)
		return true;
	__u32 i = reason >> 3;
	barrier_var(i); /* the bound is checked on the register that indexes */
	if (i >= 32)
		return false;
	return reason_mask[i] & (1 << (reason & 7));
}

/* A tool that counts in the kernel by default, or sends one record per event (--events): its
 * aggregate map NAME (KEY -> VAL, N entries), the ring `events` (RING bytes), the lost counters
 * `lost`, and the rodata events_mode that user space sets for --events. KEY, VAL and EVENT stay
 * in the object's BTF (the build's layouts are checked against them). */
#define NETDX_SUMMARY_OR_EVENTS(NAME, KEY, VAL, N, EVENT, RING)                             \
	const volatile bool events_mode = false;                                            \
	NETDX_MAP(NAME, BPF_MAP_TYPE_HASH, struct KEY, struct VAL, N);                      \
	struct {                                                                            \
		__uint(type, BPF_MAP_TYPE_RINGBUF);                                         \
		__uint(max_entries, RING);                                                  \
	} events SEC(".maps");                                                              \
	NETDX_LOST_MAP(lost);                                                               \
	NETDX_EXPORT(KEY);                                                                  \
	NETDX_EXPORT(VAL);                                                                  \
	NETDX_EXPORT(EVENT)

/* The headers of skb into *p: from skb->head + network_header (set on both paths once IP has the
 * packet), the transport header after the IPv4 header's length or IPv6's fixed 40 bytes. One
 * read for the IP header and one for the ports (and TCP's flags): each bpf_probe_read_kernel
 * costs ~20 ns. `direct` (a constant; skb a BTF pointer, tp_btf): skb's fields by plain loads. */
static __always_inline void netdx_drop_packet_d(struct sk_buff *skb, struct netdx_drop_pkt *p, bool direct)
{
	unsigned char *head = direct ? skb->head : BPF_CORE_READ(skb, head);
	__u16 nh = direct ? skb->network_header : BPF_CORE_READ(skb, network_header);
	__u8 h[40];
	__u32 l4;

	p->protocol = bpf_ntohs(direct ? skb->protocol : BPF_CORE_READ(skb, protocol));
	if (nh == 0xffff || !head)
		return;
	if (p->protocol == NETDX_ETH_P_IP) {
		if (bpf_probe_read_kernel(h, 20, head + nh) || h[0] >> 4 != 4)
			return;
		p->family = AF_INET;
		l4 = (h[0] & 0xf) * 4;
		p->ipproto = h[9];
		__builtin_memcpy(p->saddr, h + 12, 4);
		__builtin_memcpy(p->daddr, h + 16, 4);
	} else if (p->protocol == NETDX_ETH_P_IPV6) {
		if (bpf_probe_read_kernel(h, 40, head + nh) || h[0] >> 4 != 6)
			return;
		p->family = AF_INET6;
		l4 = 40;
		p->ipproto = h[6];
		__builtin_memcpy(p->saddr, h + 8, 16);
		__builtin_memcpy(p->daddr, h + 24, 16);
	} else {
		return;
	}
	if (p->ipproto != NETDX_IPPROTO_TCP && p->ipproto != NETDX_IPPROTO_UDP)
		return;
	unsigned char *th = head + nh + (l4 & 0x3f);
	if (bpf_probe_read_kernel(h, p->ipproto == NETDX_IPPROTO_TCP ? 14 : 4, th))
		return;
	p->sport = ((__u16)h[0] << 8) | h[1];
	p->dport = ((__u16)h[2] << 8) | h[3];
	if (p->ipproto == NETDX_IPPROTO_TCP)
		p->tcpflags = h[13];
}

static __always_inline void netdx_drop_packet(struct sk_buff *skb, struct netdx_drop_pkt *p)
{
	netdx_drop_packet_d(skb, p, false);
}

/* An inet socket's local port: a full socket's inet_sport (which outlives inet_num at close), a
 * request or TIME_WAIT socket's skc_num (they have no inet_sock). 0 for other families. */
static __always_inline __u16 netdx_drop_sk_lport(struct sock *sk)
{
	__u16 f = BPF_CORE_READ(sk, __sk_common.skc_family);
	if (f != AF_INET && f != AF_INET6)
		return 0;
	__u8 state = BPF_CORE_READ(sk, __sk_common.skc_state);
	if (state == NETDX_TCP_TIME_WAIT || state == NETDX_TCP_NEW_SYN_RECV)
		return BPF_CORE_READ(sk, __sk_common.skc_num);
	return netdx_sk_lport(sk);
}

/* netdx_drop_sk_lport(), with plain loads when `direct` (sk a BTF pointer): skc_num, the same port
 * while the socket is hashed, else (a closing socket may have zeroed it) the above. */
static __always_inline __u16 netdx_drop_sk_lport_d(struct sock *sk, bool direct)
{
	if (!direct)
		return netdx_drop_sk_lport(sk);
	__u16 f = sk->__sk_common.skc_family;
	if (f != AF_INET && f != AF_INET6)
		return 0;
	__u16 port = sk->__sk_common.skc_num;
	return port ? port : netdx_drop_sk_lport(sk);
}

/* A packet with no IP header yet (dropped on its way out before IP had it, e.g. for want of a
 * route): its ends from its socket sk, when it has one. */
static __always_inline void netdx_drop_ends_from_sk(struct netdx_drop_pkt *p, struct sock *sk)
{
	if (p->family || !sk)
		return;
	__u16 f = BPF_CORE_READ(sk, __sk_common.skc_family);
	if (f != AF_INET && f != AF_INET6)
		return;
	p->family = f;
	netdx_sk_addrs(sk, f, p->saddr, p->daddr);
	p->sport = netdx_drop_sk_lport(sk);
	p->dport = netdx_sk_rport(sk);
}

/* The drop's network namespace: its socket's (rx_sk, else the skb's own), else its device's, else
 * its route's device's (a packet on its way out); 0 when none is known. */
static __always_inline __u32 netdx_drop_netns(struct sk_buff *skb, struct sock *sk)
{
	if (sk)
		return netdx_sk_netns(sk);
	struct net_device *dev = BPF_CORE_READ(skb, dev);
	if (!dev) {
		struct dst_entry *dst = (struct dst_entry *)(BPF_CORE_READ(skb, _skb_refdst) & ~1UL);
		if (dst)
			dev = BPF_CORE_READ(dst, dev);
	}
	return dev ? BPF_CORE_READ(dev, nd_net.net, ns.inum) : 0;
}

static __always_inline __u32 netdx_drop_netns_d(struct sk_buff *skb, struct sock *sk, bool direct)
{
	if (direct) {
		if (sk)
			return sk->__sk_common.skc_net.net->ns.inum;
		struct net_device *dev = skb->dev;
		if (dev)
			return dev->nd_net.net->ns.inum;
	}
	return netdx_drop_netns(skb, sk);
}

/* The socket a drop is about: rx_sk (set once the receive path looked it up, Linux 6.11+), else
 * the skb's own when it is an inet socket (a packet being sent, or early demux). */
static __always_inline struct sock *netdx_drop_sock(struct sk_buff *skb, struct sock *rx_sk)
{
	if (rx_sk)
		return rx_sk;
	struct sock *sk = BPF_CORE_READ(skb, sk);
	if (!sk)
		return NULL;
	__u16 f = BPF_CORE_READ(sk, __sk_common.skc_family);
	return f == AF_INET || f == AF_INET6 ? sk : NULL;
}

static __always_inline struct sock *netdx_drop_sock_d(struct sk_buff *skb, struct sock *rx_sk, bool direct)
{
	if (!direct)
		return netdx_drop_sock(skb, rx_sk);
	if (rx_sk)
		return rx_sk;
	struct sock *sk = skb->sk;
	if (!sk)
		return NULL;
	__u16 f = sk->__sk_common.skc_family;
	return f == AF_INET || f == AF_INET6 ? sk : NULL;
}

/* ---------------------------------------------------------------- SYNs refused on a full accept queue */

/* [lo, hi): tcp_rcv_state_process's text, from /proc/kallsyms (0, 0: not counted). */
const volatile __u64 netdx_syn_consume_lo = 0;
const volatile __u64 netdx_syn_consume_hi = 0;

/* Per listening port: what the refusals are computed from. */
struct netdx_synq_key {
	__u32 netns;
	__u16 lport;
	__u16 family;
};

struct netdx_synq_val {
	__u64 syns;         /* pure SYNs consumed in tcp_rcv_state_process (a listener took them) */
	__u64 synacks;      /* SYN-ACKs sent: request sockets' (first and retransmits) and syncookies' */
	__u64 retrans;      /* SYN-ACKs retransmitted (tcp:tcp_retransmit_synack) */
};

NETDX_MAP(netdx_synq, BPF_MAP_TYPE_HASH, struct netdx_synq_key, struct netdx_synq_val, 4096);

/* The aggregate of a listening port (made at first sight; NULL when filtered out or the map is
 * full, which `lost` counts). */
static __always_inline struct netdx_synq_val *netdx_synq_of(__u32 netns, __u16 lport, __u16 family, void *lost)
{
	if ((filter_netns && netns != filter_netns) || !netdx_family_ok(family) || !netdx_lport_ok(lport))
		return NULL;
	struct netdx_synq_key k = { .netns = netns, .lport = lport, .family = family };
	struct netdx_synq_val zero = {};
	return netdx_agg_get(&netdx_synq, &k, &zero, lost);
}

/* consume_skb at tcp_rcv_state_process: one compare for every other consumed packet. */
static __always_inline void netdx_synq_on_consume(struct sk_buff *skb, void *location, void *lost)
{
	__u64 loc = (__u64)location;
	if (loc < netdx_syn_consume_lo || loc >= netdx_syn_consume_hi)
		return;
	struct netdx_drop_pkt p = {};
	netdx_drop_packet(skb, &p);
	if (p.ipproto != NETDX_IPPROTO_TCP ||
	    (p.tcpflags & (NETDX_TCPF_SYN | NETDX_TCPF_ACK | NETDX_TCPF_RST | NETDX_TCPF_FIN)) != NETDX_TCPF_SYN)
		return;
	struct netdx_synq_val *v = netdx_synq_of(netdx_drop_netns(skb, NULL), p.dport, p.family, lost);
	if (v)
		__sync_fetch_and_add(&v->syns, 1);
}

/* A packet handed to a device: a SYN-ACK of a request socket (its listener's port), or of a
 * syncookie (no socket: the packet's source port). Most packets: a read or two. */
static __always_inline void netdx_synq_on_xmit(struct sk_buff *skb, void *lost)
{
	struct sock *sk = BPF_CORE_READ(skb, sk);
	struct netdx_synq_val *v;
	if (sk) {
		if (BPF_CORE_READ(sk, __sk_common.skc_state) != NETDX_TCP_NEW_SYN_RECV)
			return;
		struct sock *l = netdx_listener_of(sk);
		if (!l)
			return;
		v = netdx_synq_of(netdx_sk_netns(l), BPF_CORE_READ(l, __sk_common.skc_num),
				  BPF_CORE_READ(l, __sk_common.skc_family), lost);
	} else {
		struct netdx_drop_pkt p = {};
		netdx_drop_packet(skb, &p);
		if (p.ipproto != NETDX_IPPROTO_TCP ||
		    (p.tcpflags & (NETDX_TCPF_SYN | NETDX_TCPF_ACK | NETDX_TCPF_RST)) != (NETDX_TCPF_SYN | NETDX_TCPF_ACK))
			return;
		v = netdx_synq_of(netdx_drop_netns(skb, NULL), p.sport, p.family, lost);
	}
	if (v)
		__sync_fetch_and_add(&v->synacks, 1);
}

static __always_inline void netdx_synq_on_rtx(struct sock *l, void *lost)
{
	struct netdx_synq_val *v = netdx_synq_of(netdx_sk_netns(l), BPF_CORE_READ(l, __sk_common.skc_num),
						 BPF_CORE_READ(l, __sk_common.skc_family), lost);
	if (v)
		__sync_fetch_and_add(&v->retrans, 1);
}

/* The three counting points, as PREFIX_syn_K (consume_skb), PREFIX_synack_K (net_dev_queue) and
 * PREFIX_synrtx_K (tcp_retransmit_synack), K: raw, tp, btf. LOST is the tool's lost map. */
#define NETDX_SYNQ_PROGRAMS(PREFIX, LOST)                                                   \
	SEC("raw_tp/consume_skb")                                                           \
	int PREFIX##_syn_raw(struct bpf_raw_tracepoint_args *ctx)                           \
	{                                                                                   \
		netdx_synq_on_consume((struct sk_buff *)ctx->args[0], (void *)ctx->args[1], &LOST); \
		return 0;                                                                   \
	}                                                                                   \
	SEC("tracepoint/skb/consume_skb")                                                   \
	int PREFIX##_syn_tp(struct trace_event_raw_consume_skb *ctx)                        \
	{                                                                                   \
		netdx_synq_on_consume((struct sk_buff *)ctx->skbaddr, ctx->location, &LOST); \
		return 0;                                                                   \
	}                                                                                   \
	SEC("tp_btf/consume_skb")                                                           \
	int BPF_PROG(PREFIX##_syn_btf, struct sk_buff *skb, void *location)                 \
	{                                                                                   \
		netdx_synq_on_consume(skb, location, &LOST);                                \
		return 0;                                                                   \
	}                                                                                   \
	static __always_inline int PREFIX##_synack(struct sk_buff *skb)                     \
	{                                                                                   \
		netdx_synq_on_xmit(skb, &LOST);                                             \
		return 0;                                                                   \
	}                                                                                   \
	NETDX_NET_DEV_PROGRAMS(PREFIX##_synack, net_dev_queue, PREFIX##_synack)             \
	SEC("raw_tp/tcp_retransmit_synack")                                                 \
	int PREFIX##_synrtx_raw(struct bpf_raw_tracepoint_args *ctx)                        \
	{                                                                                   \
		netdx_synq_on_rtx((struct sock *)ctx->args[0], &LOST);                      \
		return 0;                                                                   \
	}                                                                                   \
	SEC("tracepoint/tcp/tcp_retransmit_synack")                                         \
	int PREFIX##_synrtx_tp(struct trace_event_raw_tcp_retransmit_synack *ctx)           \
	{                                                                                   \
		netdx_synq_on_rtx((struct sock *)ctx->skaddr, &LOST);                       \
		return 0;                                                                   \
	}                                                                                   \
	SEC("tp_btf/tcp_retransmit_synack")                                                 \
	int BPF_PROG(PREFIX##_synrtx_btf, struct sock *sk, struct request_sock *req)        \
	{                                                                                   \
		netdx_synq_on_rtx(sk, &LOST);                                               \
		return 0;                                                                   \
	}

#endif
