// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* napi: NAPI polls per device and CPU on napi:napi_poll, which fires after each poll with the
 * packets it handled (work) and what it was allowed (budget). A poll that uses its whole budget
 * leaves the NAPI scheduled for another round: the device had more waiting, and when the softirq's
 * own budget (net.core.netdev_budget) or time runs out with NAPIs still pending, the kernel counts
 * a time_squeeze in /proc/net/softnet_stat. The per-CPU backlog NAPI (netif_rx: loopback, veth
 * without NAPI, RPS) has no device: key 0, shown as "backlog".
 * Aggregated in the kernel per (device, CPU): one writer per key, the CPU that polls. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "netdx.h"
#include "netdx_filter.h"
#include "netdx_listen.h"
#include "netdx_dev.h"
#include "napi.h"

_Static_assert(sizeof(((struct napi_val *)0)->slots) == sizeof(struct netdx_hist),
	       "napi_val.slots is a struct netdx_hist");

/* Drained every interval: a key per device and CPU that polled in it. */
NETDX_MAP(polls, BPF_MAP_TYPE_HASH, struct napi_key, struct napi_val, 4096);
NETDX_LOST_MAP(lost);
NETDX_EXPORT(napi_key);
NETDX_EXPORT(napi_val);

/* direct: napi is a BTF pointer (tp_btf), its fields and its device's plain loads */
static __always_inline int on_poll(struct napi_struct *napi, int work, int budget, bool direct)
{
	struct net_device *dev = direct ? napi->dev : BPF_CORE_READ(napi, dev);
	struct napi_key k = { .cpu = bpf_get_smp_processor_id() };
	if (!netdx_dev_ok_d(dev, &k.netns, &k.ifindex, direct))
		return 0;
	struct napi_val *v = bpf_map_lookup_elem(&polls, &k);
	if (!v) {
		struct napi_val init = {};
		if (dev)
			BPF_CORE_READ_STR_INTO(&init.dev, dev, name);
		v = netdx_agg_get(&polls, &k, &init, &lost);
		if (!v)
			return 0;
	}
	__u64 w = work > 0 ? work : 0;
	v->polls++;
	v->work += w;
	if (budget > 0 && work >= budget)
		v->exhausted++;
	v->budget = budget;
	netdx_hist_add((struct netdx_hist *)v->slots, w);
	return 0;
}

SEC("raw_tp/napi_poll")
int napi_poll_raw(struct bpf_raw_tracepoint_args *ctx)
{
	return on_poll((struct napi_struct *)ctx->args[0], (int)ctx->args[1], (int)ctx->args[2], false);
}

SEC("tracepoint/napi/napi_poll")
int napi_poll_tp(struct trace_event_raw_napi_poll *ctx)
{
	return on_poll(ctx->napi, ctx->work, ctx->budget, false);
}

SEC("tp_btf/napi_poll")
int BPF_PROG(napi_poll_btf, struct napi_struct *napi, int work, int budget)
{
	return on_poll(napi, work, budget, true);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
