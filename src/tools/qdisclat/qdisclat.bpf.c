// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* qdisclat: how long packets wait in each qdisc, from qdisc:qdisc_enqueue (a packet a root qdisc
 * took) to qdisc:qdisc_dequeue (the packets it gave to the driver), per (namespace, interface,
 * handle, parent): count, total, max and a log2 histogram, aggregated in the kernel and read per
 * interval. The enqueue time is kept per skb in netdx_stamp.h's table: a packet the qdisc dropped
 * or that left another way is never dequeued, and is forgotten; a packet dequeued without its
 * enqueue seen (queued before tracing began, or forgotten) counts as untimed. A bulk dequeue
 * (BQL devices) gives a list of `packets` skbs chained by skb->next: each is timed. Packets that
 * bypass an empty qdisc (TCQ_F_CAN_BYPASS: pfifo_fast, fq_codel and others when idle) are not
 * queued, not traced, and not counted: they waited for nothing. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "netdx.h"
#include "netdx_filter.h"
#include "netdx_listen.h"
#include "netdx_dev.h"
#include "netdx_stamp.h"
#include "qdisclat.h"

_Static_assert(sizeof(((struct qdisclat_val *)0)->slots) == sizeof(struct netdx_hist),
	       "qdisclat_val.slots is a struct netdx_hist");

#define MAX_BULK 32     /* skbs timed per dequeue, at the most */

/* The histogram's unit in ns: 1000 (µs) or 1000000 (-m). */
const volatile __u32 hist_div = 1000;

/* Drained every interval: one key per qdisc that dequeued. */
NETDX_AGGREGATE_MAP(lat, qdisclat_key, qdisclat_val, 4096);

/* The qdisc's key; false when the filters leave its device out. `direct` (a constant; q a BTF
 * pointer, tp_btf): plain loads. */
static __always_inline bool qdisc_key(struct Qdisc *q, struct qdisclat_key *k, const struct net_device **dev, bool direct)
{
	struct netdx_dev_id id;
	*dev = direct ? q->dev_queue->dev : BPF_CORE_READ(q, dev_queue, dev);
	if (!netdx_dev_ok_d(*dev, &id.netns, &id.ifindex, direct))
		return false;
	k->netns = id.netns;
	k->ifindex = id.ifindex;
	k->handle = direct ? q->handle : BPF_CORE_READ(q, handle);
	k->parent = direct ? q->parent : BPF_CORE_READ(q, parent);
	return true;
}

static __always_inline int on_enqueue(struct Qdisc *q, __u64 skb, bool direct)
{
	struct qdisclat_key k;
	const struct net_device *dev;
	if (!skb)
		return 0;
	/* the device only matters to a filter here: its key is made at the dequeue */
	if ((filter_netns || filter_ifindex) && !qdisc_key(q, &k, &dev, direct))
		return 0;
	netdx_stamp_put(netdx_stamp_addr(skb, direct), bpf_ktime_get_ns());
	return 0;
}

static __always_inline int on_dequeue(struct Qdisc *q, int packets, struct sk_buff *skb, bool direct)
{
	struct qdisclat_key k;
	const struct net_device *dev;
	if (!skb || !qdisc_key(q, &k, &dev, direct))
		return 0;
	struct qdisclat_val *v = bpf_map_lookup_elem(&lat, &k);
	if (!v) {
		struct qdisclat_val zero = {};
		netdx_dev_name(dev, &zero.dev);
		BPF_CORE_READ_STR_INTO(&zero.kind, q, ops, id);
		v = netdx_agg_get(&lat, &k, &zero, &lost);
		if (!v)
			return 0;
	}
	__u64 now = bpf_ktime_get_ns();
	for (int i = 0; i < MAX_BULK; i++) {
		if (i >= packets || !skb)
			break;
		__u64 delta;
		if (netdx_stamp_take(netdx_stamp_addr(skb, direct), now, &delta)) {
			__sync_fetch_and_add(&v->count, 1);
			__sync_fetch_and_add(&v->total_ns, delta);
			if (delta > v->max_ns)
				v->max_ns = delta;
			netdx_hist_add((struct netdx_hist *)v->slots, delta / hist_div);
		} else {
			__sync_fetch_and_add(&v->untimed, 1);
		}
		skb = direct ? skb->next : BPF_CORE_READ(skb, next);
	}
	return 0;
}

SEC("raw_tp/qdisc_enqueue")
int qdisclat_enqueue_raw(struct bpf_raw_tracepoint_args *ctx)
{
	return on_enqueue((struct Qdisc *)ctx->args[0], (__u64)ctx->args[2], false);
}

SEC("tracepoint/qdisc/qdisc_enqueue")
int qdisclat_enqueue_tp(struct trace_event_raw_qdisc_enqueue *ctx)
{
	return on_enqueue(ctx->qdisc, (__u64)ctx->skbaddr, false);
}

SEC("tp_btf/qdisc_enqueue")
int BPF_PROG(qdisclat_enqueue_btf, struct Qdisc *q, const struct netdev_queue *txq, struct sk_buff *skb)
{
	return on_enqueue(q, (__u64)skb, true);
}

SEC("raw_tp/qdisc_dequeue")
int qdisclat_dequeue_raw(struct bpf_raw_tracepoint_args *ctx)
{
	return on_dequeue((struct Qdisc *)ctx->args[0], (int)ctx->args[2], (struct sk_buff *)ctx->args[3], false);
}

SEC("tracepoint/qdisc/qdisc_dequeue")
int qdisclat_dequeue_tp(struct trace_event_raw_qdisc_dequeue *ctx)
{
	return on_dequeue(ctx->qdisc, ctx->packets, (struct sk_buff *)ctx->skbaddr, false);
}

SEC("tp_btf/qdisc_dequeue")
int BPF_PROG(qdisclat_dequeue_btf, struct Qdisc *q, const struct netdev_queue *txq, int packets, struct sk_buff *skb)
{
	return on_dequeue(q, packets, skb, true);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
