// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* nettxlat: how long each device's driver takes to take a packet, from net:net_dev_start_xmit
 * (the packet handed to ndo_start_xmit) to net:net_dev_xmit (the driver returned, with its rc),
 * per device: count, total, max, log2 histogram, and the return codes. Both tracepoints fire in
 * xmit_one() on one CPU with bottom halves off, so a per-CPU stack of starts pairs them: a device
 * that transmits through another (a VLAN, a bond, a tunnel) nests one pair inside the other. The
 * NIC's completion (the TX interrupt freeing the packet) is not part of this time. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "netdx.h"
#include "netdx_filter.h"
#include "netdx_listen.h"
#include "netdx_dev.h"
#include "nettxlat.h"

_Static_assert(sizeof(((struct nettxlat_val *)0)->slots) == sizeof(struct netdx_hist),
	       "nettxlat_val.slots is a struct netdx_hist");

#define DEPTH 4               /* devices stacked on one another, at the most */
#define STALE_NS 1000000000ULL /* a start older than this lost its end (tracing began between them) */
#define NETDEV_TX_BUSY 0x10

/* The histogram's unit in ns: 1000 (µs) or 1 (--nanoseconds). */
const volatile __u32 hist_div = 1000;

struct xmit_start {
	__u64 skb;
	__u64 ts;
	struct nettxlat_key key;
};

struct xmit_stack {
	__u32 depth;
	__u32 _pad;
	struct xmit_start e[DEPTH];
};

/* The starts under way on this CPU. */
NETDX_MAP(stack, BPF_MAP_TYPE_PERCPU_ARRAY, __u32, struct xmit_stack, 1);
/* Drained every interval: one key per device that sent. */
NETDX_AGGREGATE_MAP(lat, nettxlat_key, nettxlat_val, 4096);

/* direct: dev is a BTF pointer (tp_btf), its fields plain loads */
static __always_inline int on_start(const struct sk_buff *skb, const struct net_device *dev, bool direct)
{
	struct netdx_dev_id id;
	if (!netdx_dev_ok_d(dev, &id.netns, &id.ifindex, direct))
		return 0;
	struct nettxlat_key k = { .netns = id.netns, .ifindex = id.ifindex };
	/* the aggregate is made here, where the device is at hand (the end has only the skb) */
	if (!bpf_map_lookup_elem(&lat, &k)) {
		struct nettxlat_val zero = {};
		netdx_dev_name(dev, &zero.dev);
		if (!netdx_agg_get(&lat, &k, &zero, &lost))
			return 0;
	}
	__u32 z = 0;
	struct xmit_stack *st = bpf_map_lookup_elem(&stack, &z);
	if (!st)
		return 0;
	__u64 now = bpf_ktime_get_ns();
	__u32 d = st->depth;
	if (d >= DEPTH || (d > 0 && now - st->e[(d - 1) & (DEPTH - 1)].ts > STALE_NS))
		d = 0;
	st->e[d & (DEPTH - 1)].skb = (__u64)skb;
	st->e[d & (DEPTH - 1)].ts = now;
	st->e[d & (DEPTH - 1)].key = k;
	st->depth = d + 1;
	return 0;
}

static __always_inline int on_xmit(__u64 skb, int rc)
{
	__u32 z = 0;
	struct xmit_stack *st = bpf_map_lookup_elem(&stack, &z);
	if (!st || !st->depth)
		return 0;
	__u32 d = st->depth;
	int at = -1;
	for (int i = DEPTH - 1; i >= 0; i--) {
		if (i < d && st->e[i].skb == skb) {
			at = i;
			break;
		}
	}
	/* not ours: a device the filters left out, or its start came before tracing */
	if (at < 0)
		return 0;
	st->depth = at;
	__u64 delta = bpf_ktime_get_ns() - st->e[at].ts;
	struct nettxlat_val *v = bpf_map_lookup_elem(&lat, &st->e[at].key);
	if (!v)
		return 0;
	__sync_fetch_and_add(&v->count, 1);
	__sync_fetch_and_add(&v->total_ns, delta);
	if (delta > v->max_ns)
		v->max_ns = delta;
	if (rc == 0)
		__sync_fetch_and_add(&v->ok, 1);
	else if (rc == NETDEV_TX_BUSY)
		__sync_fetch_and_add(&v->busy, 1);
	else
		__sync_fetch_and_add(&v->failed, 1);
	netdx_hist_add((struct netdx_hist *)v->slots, delta / hist_div);
	return 0;
}

/* nettxlat_start_raw, nettxlat_start_tp, nettxlat_start_btf */
NETDX_START_XMIT_PROGRAMS_D(nettxlat_start, on_start)
/* nettxlat_xmit_raw, nettxlat_xmit_tp, nettxlat_xmit_btf */
NETDX_XMIT_PROGRAMS(nettxlat_xmit, on_xmit)

char LICENSE[] SEC("license") = "Dual BSD/GPL";
