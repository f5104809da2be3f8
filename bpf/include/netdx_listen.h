/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Listeners, and packets on their way: the listener behind a request socket; entry programs on
 * skb:kfree_skb (the drops of one reason at a socket the kernel names: a listener's overflow, a
 * full receive buffer) and on net:net_dev_queue and netif_receive_skb (packets sent, received),
 * each as raw_tp, classic tracepoint and tp_btf, as netdx_tcpstate.h does for
 * inet_sock_set_state: NAME_raw, NAME_tp, NAME_btf; user space loads one of each (core/kit
 * variants). NETDX_MAP declares a map in one line. */
#ifndef NETDX_LISTEN_H
#define NETDX_LISTEN_H

#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "netdx.h"

/* A map of TYPE from K to V with N entries, in one line (as the doctor's aggregates). */
#define NETDX_MAP(NAME, TYPE, K, V, N)                                                      \
	struct {                                                                            \
		__uint(type, TYPE); __uint(max_entries, N); __type(key, K); __type(value, V); \
	} NAME SEC(".maps")

/* A request socket (a SYN answered, the handshake not done): include/net/tcp_states.h. */
#define NETDX_TCP_NEW_SYN_RECV 12

/* The listener of sk: sk itself when it listens, req->rsk_listener for a request socket, NULL
 * otherwise. */
static __always_inline struct sock *netdx_listener_of(struct sock *sk)
{
	int state = BPF_CORE_READ(sk, __sk_common.skc_state);
	if (state == NETDX_TCP_LISTEN)
		return sk;
	if (state == NETDX_TCP_NEW_SYN_RECV)
		return BPF_CORE_READ((struct request_sock *)sk, __req_common.skc_listener);
	return NULL;
}

/* skb:kfree_skb, every drop (SKB_CONSUMED never comes here: consume_skb is its own event):
 * FN(struct sk_buff *skb, void *location, __u32 reason, struct sock *rx_sk, bool direct), direct
 * (a constant) in the tp_btf program, whose skb and rx_sk are BTF pointers: their fields can be
 * plain loads. rx_sk (the socket the packet was for) came in Linux 6.11: the raw_tp and tp_btf
 * programs need it (they do not attach before), the tracepoint sees no socket there. */
#define NETDX_KFREE_SKB_ALL_PROGRAMS_D(PREFIX, FN)                                          \
	SEC("raw_tp/kfree_skb")                                                             \
	int PREFIX##_raw(struct bpf_raw_tracepoint_args *ctx)                               \
	{                                                                                   \
		return FN((struct sk_buff *)ctx->args[0], (void *)ctx->args[1],             \
			  (__u32)ctx->args[2], (struct sock *)ctx->args[3], false);         \
	}                                                                                   \
	SEC("tracepoint/skb/kfree_skb")                                                     \
	int PREFIX##_tp(struct trace_event_raw_kfree_skb *ctx)                              \
	{                                                                                   \
		struct sock *rx_sk = NULL;                                                  \
		if (bpf_core_field_exists(ctx->rx_sk))                                      \
			rx_sk = (struct sock *)ctx->rx_sk;                                  \
		return FN((struct sk_buff *)ctx->skbaddr, ctx->location, ctx->reason, rx_sk, false); \
	}                                                                                   \
	SEC("tp_btf/kfree_skb")                                                             \
	int BPF_PROG(PREFIX##_btf, struct sk_buff *skb, void *location,                     \
		     enum skb_drop_reason reason, struct sock *rx_sk)                       \
	{                                                                                   \
		return FN(skb, location, reason, rx_sk, true);                              \
	}

/* The same for FN(skb, location, reason, rx_sk), which reads through bpf_probe_read_kernel. */
#define NETDX_KFREE_SKB_ALL_PROGRAMS(PREFIX, FN)                                            \
	static __always_inline int PREFIX##_any(struct sk_buff *skb, void *location,        \
						__u32 reason, struct sock *rx_sk, bool direct) \
	{                                                                                   \
		return FN(skb, location, reason, rx_sk);                                    \
	}                                                                                   \
	NETDX_KFREE_SKB_ALL_PROGRAMS_D(PREFIX, PREFIX##_any)

/* skb:kfree_skb for one drop reason: FN(struct sk_buff *skb, struct sock *rx_sk) for the drops
 * with reason REASON (an enum skb_drop_reason name, its number from the kernel's BTF) whose
 * socket the kernel names. */
#define NETDX_KFREE_SKB_PROGRAMS(PREFIX, REASON, FN)                                        \
	static __always_inline int PREFIX##_reason(struct sk_buff *skb, void *location,     \
						   __u32 reason, struct sock *rx_sk)        \
	{                                                                                   \
		if (reason != bpf_core_enum_value(enum skb_drop_reason, REASON) || !rx_sk)  \
			return 0;                                                           \
		return FN(skb, rx_sk);                                                      \
	}                                                                                   \
	NETDX_KFREE_SKB_ALL_PROGRAMS(PREFIX, PREFIX##_reason)

/* A net:net_dev_template event (net_dev_queue: every packet handed to a device; netif_receive_skb:
 * every packet a device delivers to the stack, skb->data at the network header): FN(skb). */
#define NETDX_NET_DEV_PROGRAMS(PREFIX, EVENT, FN)                                           \
	static __always_inline int PREFIX##_any(struct sk_buff *skb, bool direct)           \
	{                                                                                   \
		return FN(skb);                                                             \
	}                                                                                   \
	NETDX_NET_DEV_PROGRAMS_D(PREFIX, EVENT, PREFIX##_any)

/* The same, FN(skb, direct): direct (a constant) is true in the tp_btf program, where skb is a
 * BTF pointer whose fields FN may read with plain loads rather than bpf_probe_read_kernel. */
#define NETDX_NET_DEV_PROGRAMS_D(PREFIX, EVENT, FN)                                         \
	SEC("raw_tp/" #EVENT)                                                               \
	int PREFIX##_raw(struct bpf_raw_tracepoint_args *ctx)                               \
	{                                                                                   \
		return FN((struct sk_buff *)ctx->args[0], false);                           \
	}                                                                                   \
	SEC("tracepoint/net/" #EVENT)                                                       \
	int PREFIX##_tp(struct trace_event_raw_net_dev_template *ctx)                       \
	{                                                                                   \
		return FN((struct sk_buff *)ctx->skbaddr, false);                           \
	}                                                                                   \
	SEC("tp_btf/" #EVENT)                                                               \
	int BPF_PROG(PREFIX##_btf, struct sk_buff *skb)                                     \
	{                                                                                   \
		return FN(skb, true);                                                       \
	}

#endif
