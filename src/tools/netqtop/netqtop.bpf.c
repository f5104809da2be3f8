// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* netqtop: packets and bytes per device queue, both ways, as BCC's netqtop counts them:
 * net:net_dev_start_xmit for TX (skb->queue_mapping: the TX queue the stack picked, by XPS or the
 * flow's hash), net:netif_receive_skb for RX (skb->queue_mapping: the RX queue + 1 that the driver
 * recorded, 0 when none was; a veth records none, its packets keep the TX queue of the peer, which
 * chose the veth RX queue whose NAPI delivers them). Counted in a per-CPU map keyed by (namespace,
 * device, direction, raw queue mapping): a lookup and two adds per packet; the device's name and
 * kind are read once per key and interval. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "netdx.h"
#include "netdx_filter.h"
#include "netdx_listen.h"
#include "netdx_dev.h"
#include "netqtop.h"

/* Drained every interval: a few queues per device. */
NETDX_MAP(queues, BPF_MAP_TYPE_PERCPU_HASH, struct netqtop_key, struct netqtop_val, 8192);
NETDX_LOST_MAP(lost);
NETDX_EXPORT(netqtop_key);
NETDX_EXPORT(netqtop_val);

static __always_inline bool is_veth(struct net_device *dev)
{
	char kind[8] = {};
	const char *k = BPF_CORE_READ(dev, rtnl_link_ops, kind);
	if (!k || bpf_probe_read_kernel_str(kind, sizeof(kind), k) != 5)
		return false;
	return kind[0] == 'v' && kind[1] == 'e' && kind[2] == 't' && kind[3] == 'h';
}

static __always_inline __u32 size_slot(__u64 len)
{
	return len < 64 ? 0 : len < 512 ? 1 : len < 2048 ? 2 : len < 16384 ? 3 : 4;
}

/* direct: skb is a BTF pointer (tp_btf), its fields and its device's plain loads */
static __always_inline int count(struct sk_buff *skb, __u8 dir, bool direct)
{
	struct net_device *dev = direct ? skb->dev : BPF_CORE_READ(skb, dev);
	struct netqtop_key k = { .dir = dir, .queue = direct ? skb->queue_mapping : BPF_CORE_READ(skb, queue_mapping) };
	if (!dev || !netdx_dev_ok_d(dev, &k.netns, &k.ifindex, direct))
		return 0;
	__u64 len = netdx_skb_len_d(skb, direct);
	if (dir == NETQTOP_RX) {
		/* skb->data is past the link-layer header here: add it back, as TX and the device's
		 * counters count it */
		__u16 mac = direct ? skb->mac_header : BPF_CORE_READ(skb, mac_header);
		long l2 = direct ? skb->data - skb->head - (long)mac :
				   BPF_CORE_READ(skb, data) - BPF_CORE_READ(skb, head) - (long)mac;
		if (mac != (__u16)~0U && l2 > 0 && l2 < 256)
			len += l2;
	}
	struct netqtop_val *v = bpf_map_lookup_elem(&queues, &k);
	if (!v) {
		struct netqtop_val init = { .veth = is_veth(dev) };
		BPF_CORE_READ_STR_INTO(&init.dev, dev, name);
		v = netdx_agg_get(&queues, &k, &init, &lost);
		if (!v)
			return 0;
	}
	v->packets++;
	v->bytes += len;
	__u32 s = size_slot(len);
	if (s < NETQTOP_SIZES)
		v->sizes[s]++;
	return 0;
}

static __always_inline int on_rx(struct sk_buff *skb, bool direct)
{
	return count(skb, NETQTOP_RX, direct);
}

static __always_inline int on_tx(const struct sk_buff *skb, const struct net_device *dev, bool direct)
{
	return count((struct sk_buff *)skb, NETQTOP_TX, direct);
}

/* netqtop_rx_raw, netqtop_rx_tp, netqtop_rx_btf */
NETDX_NET_DEV_PROGRAMS_D(netqtop_rx, netif_receive_skb, on_rx)
/* netqtop_tx_raw, netqtop_tx_tp, netqtop_tx_btf */
NETDX_START_XMIT_PROGRAMS_D(netqtop_tx, on_tx)

char LICENSE[] SEC("license") = "Dual BSD/GPL";
