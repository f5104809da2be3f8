// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* superping: the round-trip time of ICMP and ICMPv6 echoes (ping, ping sockets, any program), as
 * the kernel sees them: from the request handed to a device (net:net_dev_queue) to its reply
 * delivered by a device (net:netif_receive_skb), matched by namespace, destination, identifier
 * and sequence number (netdx_icmp.h parses the IP header). The time excludes the pinger's system
 * calls and scheduling, and a request held for neighbour resolution counts from its departure.
 * It sends nothing. One ring record per matched reply, or (hist_mode) per-destination statistics
 * and a log2 histogram aggregated in the kernel. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "netdx.h"
#include "netdx_filter.h"
#include "netdx_listen.h"
#include "netdx_icmp.h"
#include "superping.h"

/* Per-destination statistics instead of events. */
const volatile bool hist_mode = false;

/* Requests in flight: unanswered ones age out. */
NETDX_MAP(sent, BPF_MAP_TYPE_LRU_HASH, struct superping_key, __u64, 16384);
NETDX_MAP(stats, BPF_MAP_TYPE_HASH, struct superping_dest, struct superping_stats, 4096);
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 20);
} events SEC(".maps");
NETDX_LOST_MAP(lost);
NETDX_EXPORT(superping_event);
NETDX_EXPORT(superping_dest);
NETDX_EXPORT(superping_stats);

/* The echo request (tx) or reply (rx) in skb, and its key in k: the device's namespace, the
 * destination pinged (a request's destination, a reply's source), id and sequence number; the
 * device in *dev. False when the packet is none, or filtered out. */
static __always_inline bool echo_of(struct sk_buff *skb, bool tx, struct netdx_icmp_echo *e,
				    struct net_device **dev, struct superping_key *k)
{
	__u16 family = netdx_skb_family(skb);
	if (!family || !netdx_family_ok(family))
		return false;
	*dev = BPF_CORE_READ(skb, dev);
	if (!*dev)
		return false;
	k->netns = BPF_CORE_READ(*dev, nd_net.net, ns.inum);
	if (filter_netns && k->netns != filter_netns)
		return false;
	if (!netdx_icmp_echo(tx ? netdx_skb_tx_ip(skb) : netdx_skb_rx_ip(skb), family, e) || e->request != tx)
		return false;
	__builtin_memcpy(k->addr, tx ? e->daddr : e->saddr, sizeof(k->addr));
	k->family = e->family;
	k->id = e->id;
	k->seq = e->seq;
	return true;
}

static __always_inline int on_tx(struct sk_buff *skb)
{
	struct netdx_icmp_echo e = {};
	struct net_device *dev;
	struct superping_key k = {};
	if (echo_of(skb, true, &e, &dev, &k)) {
		__u64 now = bpf_ktime_get_ns();
		bpf_map_update_elem(&sent, &k, &now, BPF_ANY);
	}
	return 0;
}

static __always_inline void add_stats(struct superping_key *k, __u64 rtt)
{
	struct superping_dest d = { .netns = k->netns, .family = k->family };
	__builtin_memcpy(d.addr, k->addr, sizeof(d.addr));
	/* a new destination starts empty (for one already there the insert fails, EEXIST) */
	struct superping_stats z = { .min_ns = ~0ULL };
	bpf_map_update_elem(&stats, &d, &z, BPF_NOEXIST);
	struct superping_stats *s = bpf_map_lookup_elem(&stats, &d);
	if (!s) {
		netdx_count(&lost, NETDX_LOST_UNTRACKED);
		return;
	}
	__sync_fetch_and_add(&s->count, 1);
	__sync_fetch_and_add(&s->total_ns, rtt);
	/* min and max: a race between two CPUs may keep the other's value (echoes are rare) */
	if (rtt < s->min_ns)
		s->min_ns = rtt;
	if (rtt > s->max_ns)
		s->max_ns = rtt;
	netdx_hist_add((struct netdx_hist *)s->slots, rtt / 1000);
}

static __always_inline int on_rx(struct sk_buff *skb)
{
	struct netdx_icmp_echo e = {};
	struct net_device *dev;
	struct superping_key k = {};
	if (!echo_of(skb, false, &e, &dev, &k))
		return 0;
	__u64 *ts = bpf_map_lookup_elem(&sent, &k);
	if (!ts)
		return 0;
	__u64 now = bpf_ktime_get_ns(), rtt = now - *ts;
	/* the first reply answers the request: a duplicate (a broadcast's) finds it gone */
	bpf_map_delete_elem(&sent, &k);
	if (hist_mode) {
		add_stats(&k, rtt);
		return 0;
	}
	/* built on the stack and copied: one record per reply, pings are rare */
	struct superping_event out = {
		.ts_ns = now, .rtt_ns = rtt, .netns = k.netns, .ifindex = BPF_CORE_READ(dev, ifindex),
		.family = e.family, .id = e.id, .seq = e.seq, .ttl = e.ttl,
	};
	__builtin_memcpy(out.addr, e.saddr, sizeof(out.addr));
	__builtin_memcpy(out.laddr, e.daddr, sizeof(out.laddr));
	BPF_CORE_READ_STR_INTO(&out.dev, dev, name);
	if (bpf_ringbuf_output(&events, &out, sizeof(out), BPF_RB_NO_WAKEUP))
		netdx_count_lost(&lost, &events, sizeof(out));
	return 0;
}

/* superping_tx_raw/_tp/_btf, superping_rx_raw/_tp/_btf */
NETDX_NET_DEV_PROGRAMS(superping_tx, net_dev_queue, on_tx)
NETDX_NET_DEV_PROGRAMS(superping_rx, netif_receive_skb, on_rx)

char LICENSE[] SEC("license") = "Dual BSD/GPL";
