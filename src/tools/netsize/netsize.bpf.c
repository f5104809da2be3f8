// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* netsize: the sizes of the packets each device receives and transmits, as log2 histograms of
 * their length per device and direction (BCC's netsize, bpftrace's), aggregated in the kernel
 * and read per interval. Transmit: net:net_dev_start_xmit, skb->len from the link-layer header
 * (Ethernet's 14 bytes included) as the driver gets it. Receive: net:netif_receive_skb, skb->len
 * from the network header (the driver pulled the link-layer header). A GSO or GRO packet counts
 * once, at its whole length, as the stack handles it; its segments are counted beside. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "netdx.h"
#include "netdx_filter.h"
#include "netdx_listen.h"
#include "netdx_dev.h"
#include "netsize.h"

_Static_assert(sizeof(((struct netsize_val *)0)->slots) == sizeof(struct netdx_hist),
	       "netsize_val.slots is a struct netdx_hist");

#define DIR_RX 0
#define DIR_TX 1

/* Drained every interval: two keys per device. */
NETDX_AGGREGATE_MAP(sizes, netsize_key, netsize_val, 4096);

/* direct: skb and dev are BTF pointers (tp_btf), their fields plain loads */
static __always_inline int count(const struct sk_buff *skb, const struct net_device *dev, __u32 dir, bool direct)
{
	struct netdx_dev_id id;
	if (!netdx_dev_ok_d(dev, &id.netns, &id.ifindex, direct))
		return 0;
	struct netsize_key k = { .netns = id.netns, .ifindex = id.ifindex, .dir = dir };
	struct netsize_val *v = bpf_map_lookup_elem(&sizes, &k);
	if (!v) {
		struct netsize_val zero = {};
		netdx_dev_name(dev, &zero.dev);
		v = netdx_agg_get(&sizes, &k, &zero, &lost);
		if (!v)
			return 0;
	}
	__u32 len = netdx_skb_len_d(skb, direct);
	__sync_fetch_and_add(&v->packets, 1);
	__sync_fetch_and_add(&v->bytes, len);
	__sync_fetch_and_add(&v->segs, netdx_skb_segs_d(skb, direct));
	netdx_hist_add((struct netdx_hist *)v->slots, len);
	return 0;
}

static __always_inline int on_rx(struct sk_buff *skb, bool direct)
{
	return count(skb, direct ? skb->dev : BPF_CORE_READ(skb, dev), DIR_RX, direct);
}

static __always_inline int on_tx(const struct sk_buff *skb, const struct net_device *dev, bool direct)
{
	return count(skb, dev, DIR_TX, direct);
}

/* netsize_rx_raw, netsize_rx_tp, netsize_rx_btf */
NETDX_NET_DEV_PROGRAMS_D(netsize_rx, netif_receive_skb, on_rx)
/* netsize_tx_raw, netsize_tx_tp, netsize_tx_btf */
NETDX_START_XMIT_PROGRAMS_D(netsize_tx, on_tx)

char LICENSE[] SEC("license") = "Dual BSD/GPL";
