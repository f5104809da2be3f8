/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Devices: the interface filter (-I: an ifindex in the namespace it was named in, set by
 * core/kit/dev.ts), a device's namespace, index and name, and entry programs on the device
 * tracepoints net:net_dev_start_xmit (a packet handed to the driver) and net:net_dev_xmit (the
 * driver returned), each as raw_tp, classic tracepoint and tp_btf: NAME_raw, NAME_tp, NAME_btf;
 * user space loads one of each (core/kit variants). net:netif_receive_skb's are
 * netdx_listen.h's NETDX_NET_DEV_PROGRAMS; the aggregate maps and netdx_agg_get are netdx.h's.
 * The per-device tools (netsize, nettxlat, qdisclat, napi, netqtop, xdp) all filter here. */
#ifndef NETDX_DEV_H
#define NETDX_DEV_H

#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "netdx.h"
#include "netdx_filter.h"

#define NETDX_IFNAMSIZ 16

const volatile __u32 filter_ifindex = 0;   /* only this interface (0: every one) ... */
const volatile __u32 filter_ifnetns = 0;   /* ... of this namespace (where -I named it) */

/* A device's namespace inode and index. */
struct netdx_dev_id {
	__u32 netns;
	__u32 ifindex;
};

/* netdx_dev_ok, `direct` (a constant) reading dev's fields with plain loads: only where dev is a
 * BTF pointer (tp_btf). */
static __always_inline bool netdx_dev_ok_d(const struct net_device *dev, __u32 *netns, __u32 *ifindex, bool direct)
{
	*netns = !dev ? 0 : direct ? dev->nd_net.net->ns.inum : BPF_CORE_READ(dev, nd_net.net, ns.inum);
	*ifindex = !dev ? 0 : direct ? dev->ifindex : BPF_CORE_READ(dev, ifindex);
	if (filter_netns && *netns != filter_netns)
		return false;
	return !filter_ifindex || (*ifindex == filter_ifindex && *netns == filter_ifnetns);
}

/* The device's namespace inode and index into *netns and *ifindex; false when the namespace
 * (--netns) or interface (-I) filter leaves it out. No device (the backlog NAPI, a cpumap's
 * XDP event): both 0, kept only without those filters. */
static __always_inline bool netdx_dev_ok(const struct net_device *dev, __u32 *netns, __u32 *ifindex)
{
	return netdx_dev_ok_d(dev, netns, ifindex, false);
}

/* The device's name into DST, a char[16] (a pointer to it). */
#define netdx_dev_name(dev, dst) BPF_CORE_READ_STR_INTO(dst, dev, name)

/* The packet's length as the device sees it: from the link-layer header on transmit, from the
 * network header on receive (the driver pulled the link-layer header), GSO/GRO packets whole;
 * `direct` (a constant): a plain load, where skb is a BTF pointer (tp_btf). */
static __always_inline __u32 netdx_skb_len_d(const struct sk_buff *skb, bool direct)
{
	return direct ? skb->len : BPF_CORE_READ(skb, len);
}

/* The segments a GSO/GRO packet stands for (1 for a plain packet); `direct` as netdx_skb_len_d
 * (the shared info past the data is read through bpf_probe_read_kernel either way). */
static __always_inline __u32 netdx_skb_segs_d(const struct sk_buff *skb, bool direct)
{
	unsigned char *head = direct ? skb->head : BPF_CORE_READ(skb, head);
	__u32 end = direct ? skb->end : BPF_CORE_READ(skb, end);
	struct skb_shared_info *shinfo = (void *)(head + end);
	__u32 segs = BPF_CORE_READ(shinfo, gso_segs);
	return segs ? segs : 1;
}


/* net:net_dev_start_xmit, every packet handed to a driver (once more when the driver refused it
 * busy and the qdisc requeued it): FN(skb, dev). The classic tracepoint gives no device pointer:
 * skb->dev is the device there (__dev_queue_xmit set it). */
#define NETDX_START_XMIT_PROGRAMS(PREFIX, FN)                                               \
	static __always_inline int PREFIX##_any(const struct sk_buff *skb, const struct net_device *dev, bool direct) \
	{                                                                                   \
		return FN(skb, dev);                                                        \
	}                                                                                   \
	NETDX_START_XMIT_PROGRAMS_D(PREFIX, PREFIX##_any)

/* The same, FN(skb, dev, direct): direct (a constant) is true in the tp_btf program, where skb and
 * dev are BTF pointers whose fields FN may read with plain loads. */
#define NETDX_START_XMIT_PROGRAMS_D(PREFIX, FN)                                             \
	SEC("raw_tp/net_dev_start_xmit")                                                    \
	int PREFIX##_raw(struct bpf_raw_tracepoint_args *ctx)                               \
	{                                                                                   \
		return FN((const struct sk_buff *)ctx->args[0],                             \
			  (const struct net_device *)ctx->args[1], false);                  \
	}                                                                                   \
	SEC("tracepoint/net/net_dev_start_xmit")                                            \
	int PREFIX##_tp(struct trace_event_raw_net_dev_start_xmit *ctx)                     \
	{                                                                                   \
		const struct sk_buff *skb = ctx->skbaddr;                                   \
		return FN(skb, BPF_CORE_READ(skb, dev), false);                             \
	}                                                                                   \
	SEC("tp_btf/net_dev_start_xmit")                                                    \
	int BPF_PROG(PREFIX##_btf, const struct sk_buff *skb, const struct net_device *dev) \
	{                                                                                   \
		return FN(skb, dev, true);                                                  \
	}

/* net:net_dev_xmit, the driver's return for that packet (the skb may be freed already: its
 * address only): FN(skb address, rc). */
#define NETDX_XMIT_PROGRAMS(PREFIX, FN)                                                     \
	SEC("raw_tp/net_dev_xmit")                                                          \
	int PREFIX##_raw(struct bpf_raw_tracepoint_args *ctx)                               \
	{                                                                                   \
		return FN((__u64)ctx->args[0], (int)ctx->args[1]);                          \
	}                                                                                   \
	SEC("tracepoint/net/net_dev_xmit")                                                  \
	int PREFIX##_tp(struct trace_event_raw_net_dev_xmit *ctx)                           \
	{                                                                                   \
		return FN((__u64)ctx->skbaddr, ctx->rc);                                    \
	}                                                                                   \
	SEC("tp_btf/net_dev_xmit")                                                          \
	int BPF_PROG(PREFIX##_btf, struct sk_buff *skb, int rc)                             \
	{                                                                                   \
		return FN((__u64)skb, rc);                                                  \
	}

#endif
