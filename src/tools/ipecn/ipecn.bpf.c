// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* ipecn: received IPv4 and IPv6 packets by ECN codepoint (the low two bits of the TOS byte or
 * traffic class: Not-ECT, ECT(1), ECT(0), CE) per receiving device, and the CE-marked ones per
 * flow, on net:netif_receive_skb (where skb->data is the network header), aggregated in the kernel
 * and read per interval. A GRO packet counts its segments, as the kernel's IpExtIn*Pkts and
 * Ip6In*Pkts do (ip_rcv_core, ipv6_rcv), so the counts match those counters. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_endian.h>
#include "netdx.h"
#include "netdx_filter.h"
#include "netdx_listen.h"
#include "ipecn.h"

#define ETH_P_IP 0x0800
#define ETH_P_IPV6 0x86DD
#define ECN_CE 3

/* Drained every interval: devices (a few per namespace) and CE flows (rare). */
NETDX_MAP(counts, BPF_MAP_TYPE_HASH, struct ipecn_key, struct ipecn_val, 4096);
NETDX_MAP(ce_flows, BPF_MAP_TYPE_HASH, struct ipecn_flow, __u64, 8192);
NETDX_LOST_MAP(lost);
NETDX_EXPORT(ipecn_key);
NETDX_EXPORT(ipecn_val);
NETDX_EXPORT(ipecn_flow);

/* The CE-marked packet's flow, from its header at `ip`. */
static __always_inline void count_ce(unsigned char *ip, __u16 family, __u32 netns, __u64 segs)
{
	struct ipecn_flow f = { .netns = netns, .family = family };
	if (family == AF_INET) {
		bpf_probe_read_kernel(&f.proto, 1, ip + 9);
		bpf_probe_read_kernel(f.saddr, 4, ip + 12);
		bpf_probe_read_kernel(f.daddr, 4, ip + 16);
	} else {
		bpf_probe_read_kernel(&f.proto, 1, ip + 6);
		bpf_probe_read_kernel(f.saddr, 16, ip + 8);
		bpf_probe_read_kernel(f.daddr, 16, ip + 24);
	}
	__u64 zero = 0, *n = netdx_agg_get(&ce_flows, &f, &zero, &lost);
	if (n)
		__sync_fetch_and_add(n, segs);
}

static __always_inline int on_rx(struct sk_buff *skb)
{
	__u16 proto = bpf_ntohs(BPF_CORE_READ(skb, protocol));
	__u16 family = proto == ETH_P_IP ? AF_INET : proto == ETH_P_IPV6 ? AF_INET6 : 0;
	if (!family || !netdx_family_ok(family))
		return 0;
	struct net_device *dev = BPF_CORE_READ(skb, dev);
	if (!dev)
		return 0;
	struct ipecn_key k = {};
	k.netns = BPF_CORE_READ(dev, nd_net.net, ns.inum);
	if (filter_netns && k.netns != filter_netns)
		return 0;
	unsigned char *ip = BPF_CORE_READ(skb, data);
	__u8 b[2];
	if (bpf_probe_read_kernel(b, sizeof(b), ip))
		return 0;
	/* IPv4: TOS is byte 1; IPv6: the traffic class spans bytes 0 and 1, ECN in bits 4-5 of byte 1 */
	__u32 ecn = family == AF_INET ? b[1] & 3 : (b[1] >> 4) & 3;
	struct skb_shared_info *shinfo = (void *)(BPF_CORE_READ(skb, head) + BPF_CORE_READ(skb, end));
	__u64 segs = BPF_CORE_READ(shinfo, gso_segs);
	if (!segs)
		segs = 1;

	k.ifindex = BPF_CORE_READ(dev, ifindex);
	k.family = family;
	BPF_CORE_READ_STR_INTO(&k.dev, dev, name);
	struct ipecn_val zero = {}, *v = netdx_agg_get(&counts, &k, &zero, &lost);
	if (!v)
		return 0;
	__sync_fetch_and_add(&v->pkts[ecn], segs);
	__sync_fetch_and_add(&v->skbs, 1);
	if (ecn == ECN_CE)
		count_ce(ip, family, k.netns, segs);
	return 0;
}

/* ipecn_rx_raw, ipecn_rx_tp, ipecn_rx_btf */
NETDX_NET_DEV_PROGRAMS(ipecn_rx, netif_receive_skb, on_rx)

char LICENSE[] SEC("license") = "Dual BSD/GPL";
