// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* tcpdrop: each TCP packet the kernel drops (skb:kfree_skb with a reason), with the reason
 * (enum skb_drop_reason), where it was dropped, the flow, the socket's state and its owner.
 *
 * The socket is rx_sk (set once the receive path has looked it up) or else the skb's own (a
 * packet being sent); without a TCP socket, the packet must be TCP over IPv4 or IPv6, and its
 * ends are read from its headers. Frees that are not drops (SKB_CONSUMED) are not reported. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "netdx_tcpev.h"
#include "tcpdrop.h"

#define NETDX_SKB_CONSUMED 1

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4 << 20);
} events SEC(".maps");

NETDX_LOST_MAP(lost);
NETDX_EXPORT(tcpdrop_event);

static __always_inline int on_drop(struct sk_buff *skb, void *location, __u32 reason, struct sock *rx_sk)
{
	struct tcpdrop_event ev = {};

	if (reason <= NETDX_SKB_CONSUMED || !skb)
		return 0;
	if (!netdx_tcpev_from((struct netdx_tcpev_sock *)&ev, rx_sk ?: BPF_CORE_READ(skb, sk), skb, &ev.has_sk))
		return 0;
	ev.location = (__u64)location;
	ev.reason = reason;
	netdx_tcpev_output(&events, &lost, &ev, sizeof(ev));
	return 0;
}

SEC("raw_tp/kfree_skb")
int tcpdrop_drop_raw(struct bpf_raw_tracepoint_args *ctx)
{
	return on_drop((struct sk_buff *)ctx->args[0], (void *)ctx->args[1], (__u32)ctx->args[2], (struct sock *)ctx->args[3]);
}

SEC("tracepoint/skb/kfree_skb")
int tcpdrop_drop_tp(struct trace_event_raw_kfree_skb *ctx)
{
	struct sock *rx_sk = NULL;
	if (bpf_core_field_exists(ctx->rx_sk))
		rx_sk = BPF_CORE_READ(ctx, rx_sk);
	return on_drop((struct sk_buff *)ctx->skbaddr, ctx->location, ctx->reason, rx_sk);
}

SEC("tp_btf/kfree_skb")
int BPF_PROG(tcpdrop_drop_btf, struct sk_buff *skb, void *location, enum skb_drop_reason reason, struct sock *rx_sk)
{
	return on_drop(skb, location, reason, rx_sk);
}

/* tcpdrop_state_{raw,tp,btf}, tcpdrop_accept4/_accept, tcpdrop_send/_recv */
NETDX_TCPEV_OWNER_PROGRAMS(tcpdrop)

char LICENSE[] SEC("license") = "Dual BSD/GPL";
