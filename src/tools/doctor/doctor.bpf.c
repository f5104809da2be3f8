// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The doctor's bundle of probes: aggregated in the kernel over the window, read once at its end.
 *  - drops by kernel reason (skb:kfree_skb), with the socket and port where the kernel names
 *    one (rx_sk, Linux 6.11+), else the packet's own ports;
 *  - retransmitted segments per flow (tcp:tcp_retransmit_skb);
 *  - resets sent and received per port (tcp:tcp_send_reset, tcp:tcp_receive_reset), with the
 *    kernel's reason for sent ones (6.10+);
 *  - DNS lookups over UDP: query to answer per resolver (sock:sock_send_length/recv_length,
 *    6.3+: glibc's resolver connects its UDP socket to port 53).
 * Classic tracepoints with CO-RE field checks: these events are rare next to packets, and their
 * fields changed between kernels (rx_sk, reason), which the tracepoint's own struct absorbs. The
 * owner of a socket comes from the owner cache (netdx_owner.h), filled at accept, send and receive,
 * and at connect by the tcpconnect probe, which shares it. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_endian.h>
#include "netdx.h"
#include "netdx_filter.h"
#include "netdx_owner.h"
#include "doctor.h"

#define IPPROTO_TCP 6
#define IPPROTO_UDP 17
#define ETH_P_IP 0x0800
#define ETH_P_IPV6 0x86DD
#define SLOW_NS (500ULL * 1000 * 1000)

#define AGG_MAP(name, K, V, n)                            \
	struct {                                          \
		__uint(type, BPF_MAP_TYPE_HASH);          \
		__uint(max_entries, n);                   \
		__type(key, K);                           \
		__type(value, V);                         \
	} name SEC(".maps")

AGG_MAP(drops, struct drop_key, __u64, 4096);
AGG_MAP(retrans, struct flow_key, __u64, 4096);
AGG_MAP(resets, struct reset_key, __u64, 4096);
AGG_MAP(dns, struct dns_key, struct dns_val, 1024);
AGG_MAP(dns_pending, __u64, __u64, 4096);
NETDX_LOST_MAP(lost);

NETDX_EXPORT(drop_key);
NETDX_EXPORT(flow_key);
NETDX_EXPORT(reset_key);
NETDX_EXPORT(dns_key);
NETDX_EXPORT(dns_val);

/* Adds one to a counter map's entry, or counts the key as untracked when the map is full. */
static __always_inline void bump(void *map, void *key)
{
	__u64 one = 1, *v = bpf_map_lookup_elem(map, key);
	if (v) {
		__sync_fetch_and_add(v, 1);
		return;
	}
	if (bpf_map_update_elem(map, key, &one, BPF_NOEXIST)) {
		v = bpf_map_lookup_elem(map, key); /* another CPU made it meanwhile */
		if (v)
			__sync_fetch_and_add(v, 1);
		else
			netdx_count(&lost, NETDX_LOST_UNTRACKED);
	}
}

static __always_inline __u32 owner_tgid(struct sock *sk)
{
	struct netdx_owner *o = netdx_owner_get(sk);
	return o ? o->tgid : 0;
}

/* ---------------------------------------------------------------- drops */

/* The packet's family, protocol, destination and ports from its headers (when set). */
static __always_inline void packet_of(struct sk_buff *skb, struct drop_key *k)
{
	unsigned char *head = BPF_CORE_READ(skb, head);
	__u16 nh = BPF_CORE_READ(skb, network_header);
	__u16 th = BPF_CORE_READ(skb, transport_header);
	__u16 proto = bpf_ntohs(BPF_CORE_READ(skb, protocol));
	if (proto == ETH_P_IP && nh != 0xffff) {
		k->family = AF_INET;
		bpf_probe_read_kernel(&k->ipproto, 1, head + nh + 9);
		bpf_probe_read_kernel(k->daddr, 4, head + nh + 16);
	} else if (proto == ETH_P_IPV6 && nh != 0xffff) {
		k->family = AF_INET6;
		bpf_probe_read_kernel(&k->ipproto, 1, head + nh + 6);
		bpf_probe_read_kernel(k->daddr, 16, head + nh + 24);
	} else {
		return;
	}
	if ((k->ipproto == IPPROTO_TCP || k->ipproto == IPPROTO_UDP) && th != 0xffff && th > nh) {
		__u16 ports[2];
		if (!bpf_probe_read_kernel(ports, sizeof(ports), head + th)) {
			k->sport = bpf_ntohs(ports[0]);
			k->dport = bpf_ntohs(ports[1]);
		}
	}
}

static __always_inline __u32 skb_netns(struct sk_buff *skb)
{
	struct net_device *dev = BPF_CORE_READ(skb, dev);
	if (dev)
		return BPF_CORE_READ(dev, nd_net.net, ns.inum);
	struct sock *sk = BPF_CORE_READ(skb, sk);
	return sk ? netdx_sk_netns(sk) : 0;
}

SEC("tracepoint/skb/kfree_skb")
int doctor_drop(struct trace_event_raw_kfree_skb *ctx)
{
	struct drop_key k = {};
	struct sk_buff *skb = (struct sk_buff *)ctx->skbaddr;
	struct sock *sk = NULL;

	k.reason = ctx->reason;
	/* NOT_SPECIFIED (2) is most of the kernel's frees that are not drops of interest */
	if (k.reason <= 2)
		return 0;
	k.location = (__u64)ctx->location;
	if (bpf_core_field_exists(ctx->rx_sk))
		sk = (struct sock *)ctx->rx_sk;
	packet_of(skb, &k);
	if (sk) {
		k.has_sk = 1;
		k.netns = netdx_sk_netns(sk);
		k.sport = netdx_sk_lport(sk);
		k.dport = 0;
		k.tgid = owner_tgid(sk);
	} else {
		k.netns = skb_netns(skb);
		/* the source port of a packet from elsewhere is one of thousands (ephemeral): keyed by
		 * it, a flood to one port would fill the map */
		k.sport = 0;
	}
	if (filter_netns && k.netns != filter_netns)
		return 0;
	bump(&drops, &k);
	return 0;
}

/* ---------------------------------------------------------------- retransmits and resets */

SEC("tracepoint/tcp/tcp_retransmit_skb")
int doctor_retrans(struct trace_event_raw_tcp_retransmit_skb *ctx)
{
	struct sock *sk = (struct sock *)ctx->skaddr;
	if (!sk || !netdx_netns_ok(sk))
		return 0;
	struct flow_key k = {};
	k.family = BPF_CORE_READ(sk, __sk_common.skc_family);
	k.netns = netdx_sk_netns(sk);
	k.sport = netdx_sk_lport(sk);
	k.dport = netdx_sk_rport(sk);
	k.tgid = owner_tgid(sk);
	netdx_sk_addrs(sk, k.family, k.saddr, k.daddr);
	bump(&retrans, &k);
	return 0;
}

/* A reset's key from its socket: the port that names the service (ours for a reset we send, the
 * peer's for one we receive: the other side's port is ephemeral, one of thousands in a storm),
 * the peer, the state and the owner. */
static __always_inline void reset_from_sk(struct sock *sk, struct reset_key *k)
{
	__u8 s[16];
	k->netns = netdx_sk_netns(sk);
	k->family = BPF_CORE_READ(sk, __sk_common.skc_family);
	if (k->received)
		k->rport = netdx_sk_rport(sk);
	else
		k->lport = netdx_sk_lport(sk);
	k->state = BPF_CORE_READ(sk, __sk_common.skc_state);
	k->tgid = owner_tgid(sk);
	netdx_sk_addrs(sk, k->family, s, k->raddr);
}

SEC("tracepoint/tcp/tcp_send_reset")
int doctor_rst_out(struct trace_event_raw_tcp_send_reset *ctx)
{
	struct sock *sk = (struct sock *)ctx->skaddr;
	struct sk_buff *skb = (struct sk_buff *)ctx->skbaddr;
	struct reset_key k = {};
	if (bpf_core_field_exists(ctx->reason))
		k.reason = ctx->reason;
	if (sk) {
		reset_from_sk(sk, &k);
	} else if (skb) {
		/* no socket (a closed port): the reset answers this packet, whose destination port is ours */
		struct drop_key p = {};
		packet_of(skb, &p);
		k.netns = skb_netns(skb);
		k.family = p.family;
		k.lport = p.dport;
		/* the packet's source is the peer: read it the same way as its destination */
		unsigned char *head = BPF_CORE_READ(skb, head);
		__u16 nh = BPF_CORE_READ(skb, network_header);
		if (p.family == AF_INET)
			bpf_probe_read_kernel(k.raddr, 4, head + nh + 12);
		else if (p.family == AF_INET6)
			bpf_probe_read_kernel(k.raddr, 16, head + nh + 8);
	}
	if (filter_netns && k.netns != filter_netns)
		return 0;
	bump(&resets, &k);
	return 0;
}

SEC("tracepoint/tcp/tcp_receive_reset")
int doctor_rst_in(struct trace_event_raw_tcp_event_sk *ctx)
{
	struct sock *sk = (struct sock *)ctx->skaddr;
	if (!sk || !netdx_netns_ok(sk))
		return 0;
	struct reset_key k = { .received = 1 };
	reset_from_sk(sk, &k);
	bump(&resets, &k);
	return 0;
}

/* ---------------------------------------------------------------- DNS over UDP */

static __always_inline bool is_dns(struct sock *sk)
{
	return BPF_CORE_READ_BITFIELD_PROBED(sk, sk_protocol) == IPPROTO_UDP && netdx_sk_rport(sk) == 53;
}

static __always_inline void dns_key_of(struct sock *sk, struct dns_key *k)
{
	__u8 s[16];
	k->family = BPF_CORE_READ(sk, __sk_common.skc_family);
	k->netns = netdx_sk_netns(sk);
	k->tgid = bpf_get_current_pid_tgid() >> 32;
	netdx_sk_addrs(sk, k->family, s, k->server);
}

/* A query sent on sk (a UDP socket connected to port 53). */
static __always_inline void dns_query(struct sock *sk)
{
	__u64 key = (__u64)sk, now = bpf_ktime_get_ns();
	/* the first query of a lookup starts the clock (A and AAAA go out back to back) */
	bpf_map_update_elem(&dns_pending, &key, &now, BPF_NOEXIST);
	struct dns_key k = {};
	dns_key_of(sk, &k);
	struct dns_val *v = bpf_map_lookup_elem(&dns, &k);
	if (!v) {
		struct dns_val z = {};
		bpf_get_current_comm(z.comm, sizeof(z.comm));
		bpf_map_update_elem(&dns, &k, &z, BPF_NOEXIST);
		v = bpf_map_lookup_elem(&dns, &k);
		if (!v) {
			netdx_count(&lost, NETDX_LOST_UNTRACKED);
			return;
		}
	}
	__sync_fetch_and_add(&v->queries, 1);
}

/* An answer received on sk: the time since the lookup's first query. */
static __always_inline void dns_answer(struct sock *sk)
{
	__u64 key = (__u64)sk;
	__u64 *t0 = bpf_map_lookup_elem(&dns_pending, &key);
	if (!t0)
		return;
	__u64 ns = bpf_ktime_get_ns() - *t0;
	bpf_map_delete_elem(&dns_pending, &key);
	struct dns_key k = {};
	dns_key_of(sk, &k);
	struct dns_val *v = bpf_map_lookup_elem(&dns, &k);
	if (!v)
		return;
	__sync_fetch_and_add(&v->answers, 1);
	__sync_fetch_and_add(&v->sum_ns, ns);
	if (ns > v->max_ns)
		v->max_ns = ns;
	if (ns >= SLOW_NS)
		__sync_fetch_and_add(&v->slow, 1);
	__u32 slot = netdx_log2(ns / 1000);
	if (slot < NETDX_MAX_SLOTS)
		__sync_fetch_and_add(&v->slots[slot], 1);
}

/* accept() names the owner of passive sockets: doctor_accept4, doctor_accept */
NETDX_OWNER_ACCEPT_PROGRAMS(doctor)

/* Send and receive (Linux 6.3+), one program per hook: each names the owner of the inet socket
 * that moves data (the owner cache, as NETDX_OWNER_IO_PROGRAMS does) and times DNS lookups. They
 * run on every send and receive of the host, so a second program on each hook was a second
 * dispatch every time (kernel BPF statistics over 20,000 loopback connections: 5 runs a
 * connection instead of 10, 27 -> 24 ms in all). Netlink and unix sockets fire them too: skipped. */
SEC("raw_tp/sock_send_length")
int doctor_send(struct bpf_raw_tracepoint_args *ctx)
{
	struct sock *sk = (struct sock *)ctx->args[0];
	__u16 f = BPF_CORE_READ(sk, __sk_common.skc_family);
	if (f != AF_INET && f != AF_INET6)
		return 0;
	netdx_owner_set(sk);
	if ((int)ctx->args[1] > 0 && is_dns(sk) && netdx_netns_ok(sk))
		dns_query(sk);
	return 0;
}

SEC("raw_tp/sock_recv_length")
int doctor_recv(struct bpf_raw_tracepoint_args *ctx)
{
	struct sock *sk = (struct sock *)ctx->args[0];
	__u16 f = BPF_CORE_READ(sk, __sk_common.skc_family);
	if (f != AF_INET && f != AF_INET6)
		return 0;
	netdx_owner_set(sk);
	if ((int)ctx->args[1] > 0 && is_dns(sk))
		dns_answer(sk);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
