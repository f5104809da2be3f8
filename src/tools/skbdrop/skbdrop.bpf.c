// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* skbdrop: every packet the kernel drops (skb:kfree_skb), any protocol, by the kernel's reason
 * (enum skb_drop_reason) and where it was dropped, with the namespace, the local port and the
 * socket's owner where the kernel names a socket (rx_sk, Linux 6.11+, or the skb's own). By
 * default aggregated here per (reason, location, protocol, namespace, port, socket) and drained
 * by user space each interval; with events_mode, one ring-buffer record per drop.
 *
 * Beside the drops, the SYNs refused because a listener's accept queue was full, which have no
 * drop event (netdx_drop.h: counted per listening port, turned into the pseudo-reason
 * TCP_LISTEN_OVERFLOW_SYN by user space). Drops run in softirq as often as not: owners come from
 * the owner cache (netdx_owner.h), else the socket's inode, which user space finds in /proc. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "netdx_drop.h"
#include "netdx_tcpev.h"
#include "skbdrop.h"

/* drops (drained each interval), or with events_mode one record per drop in `events` */
NETDX_SUMMARY_OR_EVENTS(drops, skbdrop_key, skbdrop_val, 16384, skbdrop_event, 4 << 20);

/* The owner's comm and the socket's inode (user space checks the owner against it) into the
 * aggregate or record. */
static __always_inline void whose(struct sock *sk, struct netdx_owner *o, char *comm, __u64 *ino)
{
	if (o)
		__builtin_memcpy(comm, o->comm, TASK_COMM_LEN);
	if (sk)
		*ino = BPF_CORE_READ(sk, sk_socket, file, f_inode, i_ino);
}

/* The socket is in the key, so the entry is that socket's for the interval (user space merges
 * one owner's sockets): its owner is looked up when the entry is made, and again at each drop
 * while it is unknown (a socket's first packet can drop before its first send names it). */
static __always_inline void count(struct skbdrop_key *k, struct sock *sk)
{
	struct skbdrop_val n = {}, *v = bpf_map_lookup_elem(&drops, k);
	struct netdx_owner *o;
	if (!v) {
		o = sk ? netdx_owner_get(sk) : NULL;
		whose(sk, o, n.comm, &n.ino);
		n.tgid = o ? o->tgid : 0;
		v = netdx_agg_get(&drops, k, &n, &lost);
	} else if (!v->tgid && sk && (o = netdx_owner_get(sk))) {
		__builtin_memcpy(v->comm, o->comm, TASK_COMM_LEN);
		v->tgid = o->tgid;
	}
	if (v)
		__sync_fetch_and_add(&v->count, 1);
}

static __always_inline void send(struct skbdrop_key *k, struct netdx_drop_pkt *p, struct sk_buff *skb,
				 struct sock *sk, struct netdx_owner *o)
{
	struct skbdrop_event *e = netdx_reserve(&events, &lost, struct skbdrop_event);
	if (!e)
		return;
	__builtin_memcpy(e, k, sizeof(*k));
	__builtin_memcpy(e->saddr, p->saddr, 16);
	__builtin_memcpy(e->daddr, p->daddr, 16);
	e->ts_ns = bpf_ktime_get_ns();
	e->ino = 0;
	__builtin_memset(e->comm, 0, sizeof(e->comm));
	whose(sk, o, e->comm, &e->ino);
	e->tgid = o ? o->tgid : 0;
	e->_epad = 0;
	e->sport = p->sport;
	e->dport = p->dport;
	struct net_device *dev = BPF_CORE_READ(skb, dev);
	e->ifindex = dev ? BPF_CORE_READ(dev, ifindex) : 0;
	__builtin_memset(e->dev, 0, sizeof(e->dev));
	if (dev)
		BPF_CORE_READ_STR_INTO(&e->dev, dev, name);
	bpf_ringbuf_submit(e, BPF_RB_NO_WAKEUP);
}

/* A full TCP or UDP socket's protocol (its own packets are of it), else 0: the header says. */
static __always_inline __u8 sk_tcp_udp(struct sock *sk, bool direct)
{
	__u16 proto = direct ? BPF_CORE_READ_BITFIELD(sk, sk_protocol) : BPF_CORE_READ_BITFIELD_PROBED(sk, sk_protocol);
	return proto == NETDX_IPPROTO_TCP || proto == NETDX_IPPROTO_UDP ? proto : 0;
}

/* direct (tp_btf): skb's and the socket's fields by plain loads (bench/packets: the drop program's
 * cost is mostly its reads). A summary of a drop with an owned TCP or UDP socket reads no header:
 * the family is the ethertype's (else the socket's: a packet before IP), the protocol the
 * socket's; the owner is looked up when the aggregate is made. */
static __always_inline int on_drop(struct sk_buff *skb, void *location, __u32 reason, struct sock *rx_sk, bool direct)
{
	if (!skb || !netdx_drop_reason_ok(reason))
		return 0;
	struct skbdrop_key k = {};
	struct netdx_drop_pkt p = {};
	struct sock *sk = netdx_drop_sock_d(skb, rx_sk, direct), *any = sk;

	k.has_sk = sk != NULL;
	k.netns = netdx_drop_netns_d(skb, sk, direct);
	if (filter_netns && k.netns != filter_netns)
		return 0;
	k.lport = sk ? netdx_drop_sk_lport_d(sk, direct) : 0;
	if (sk) {
		__u8 state = direct ? sk->__sk_common.skc_state : BPF_CORE_READ(sk, __sk_common.skc_state);
		if (state == NETDX_TCP_TIME_WAIT || state == NETDX_TCP_NEW_SYN_RECV)
			sk = NULL; /* no owner of its own, no inode, no sk_protocol */
	}
	__u8 ipproto = sk && !events_mode ? sk_tcp_udp(sk, direct) : 0;
	if (ipproto) {
		k.protocol = bpf_ntohs(direct ? skb->protocol : BPF_CORE_READ(skb, protocol));
		k.family = k.protocol == NETDX_ETH_P_IP ? AF_INET : k.protocol == NETDX_ETH_P_IPV6 ? AF_INET6 :
			   (direct ? sk->__sk_common.skc_family : BPF_CORE_READ(sk, __sk_common.skc_family));
		k.ipproto = ipproto;
	} else {
		netdx_drop_packet_d(skb, &p, direct);
		netdx_drop_ends_from_sk(&p, any);
		k.protocol = p.protocol;
		k.family = p.family;
		k.ipproto = p.ipproto;
		if (!k.has_sk)
			k.lport = p.dport;
	}
	if (!netdx_family_ok(k.family) || !netdx_lport_ok(k.lport))
		return 0;
	/* -p: a drop with no socket is not the process's. In the summary, user space filters the
	 * rest once it has checked the owners against /proc (the cache, keyed by the socket's
	 * address, may hold a freed socket's); events keep what the cache says is the process's. */
	if (filter_tgid && !sk)
		return 0;
	k.location = (__u64)location;
	k.reason = reason;
	if (events_mode) {
		struct netdx_owner *o = sk ? netdx_owner_get(sk) : NULL;
		if (filter_tgid && (!o || o->tgid != filter_tgid))
			return 0;
		send(&k, &p, skb, sk, o);
	} else {
		k.sk = (__u64)sk;
		count(&k, sk);
	}
	return 0;
}

/* skbdrop_drop_raw, skbdrop_drop_tp, skbdrop_drop_btf */
NETDX_KFREE_SKB_ALL_PROGRAMS_D(skbdrop_drop, on_drop)

/* skbdrop_syn_K, skbdrop_synack_K, skbdrop_synrtx_K: SYNs refused on a full accept queue */
NETDX_SYNQ_PROGRAMS(skbdrop, lost)

/* skbdrop_state_K, skbdrop_accept4/_accept, skbdrop_send/_recv: the owner cache */
NETDX_TCPEV_OWNER_PROGRAMS(skbdrop)

char LICENSE[] SEC("license") = "Dual BSD/GPL";
