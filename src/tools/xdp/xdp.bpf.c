// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* xdp: the xdp: tracepoints (exceptions, redirects and their errors, XDP_TX and devmap batches,
 * cpumap queues) counted per event, program id, action, device, target and error in the kernel,
 * read and reset by user space each interval; with emit_events, one ring-buffer record per
 * event as well. XDP_PASS and XDP_DROP fire no tracepoint: they are not seen here. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "netdx.h"
#include "netdx_filter.h"
#include "netdx_listen.h"
#include "netdx_dev.h"
#include "netdx_xdp.h"
#include "xdp.h"

const volatile bool emit_events = false;

NETDX_MAP(counts, BPF_MAP_TYPE_PERCPU_HASH, struct xdp_key, struct xdp_val, 4096);
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 20);
} events SEC(".maps");
NETDX_LOST_MAP(lost);
NETDX_EXPORT(xdp_key);
NETDX_EXPORT(xdp_val);
NETDX_EXPORT(xdp_event);

/* The device an event ran on (NULL for cpumap events): false when the namespace filter drops it. */
static __always_inline bool set_dev(struct xdp_key *k, const struct net_device *dev)
{
	if (dev)
		BPF_CORE_READ_STR_INTO(&k->dev, dev, name);
	/* a cpumap event names no device: it cannot be placed in a namespace or on a device */
	return netdx_dev_ok(dev, &k->netns, &k->ifindex);
}

static __always_inline int count(struct xdp_key *k, __u32 sent, __u32 drops)
{
	struct xdp_val zero = {}, *v = netdx_agg_get(&counts, k, &zero, &lost);
	if (v) {
		/* per CPU: no atomics needed */
		v->events += 1;
		v->sent += sent;
		v->drops += drops;
	}
	if (emit_events) {
		struct xdp_event *e = netdx_reserve(&events, &lost, struct xdp_event);
		if (e) {
			__builtin_memcpy(e, k, sizeof(*k));
			e->ts_ns = bpf_ktime_get_ns();
			e->sent = sent;
			e->drops = drops;
			e->cpu = bpf_get_smp_processor_id();
			e->_pad = 0;
			bpf_ringbuf_submit(e, BPF_RB_NO_WAKEUP);
		}
	}
	return 0;
}

/* xdp_exception(dev, prog, act) */
static __always_inline int on_xdp_exception(__u64 *a)
{
	struct xdp_key k = { .event = XDP_EV_EXCEPTION };
	if (!set_dev(&k, (const struct net_device *)a[0]))
		return 0;
	k.prog_id = netdx_xdp_prog_id((const struct bpf_prog *)a[1]);
	k.act = (__u32)a[2];
	return count(&k, 0, 0);
}

/* xdp_redirect(_err)(dev, prog, tgt, err, map_type, map_id, index), as the tracepoint decodes it */
static __always_inline int redirect(__u64 *a, __u32 event)
{
	struct xdp_key k = { .event = event, .act = XDP_REDIRECT };
	if (!set_dev(&k, (const struct net_device *)a[0]))
		return 0;
	k.prog_id = netdx_xdp_prog_id((const struct bpf_prog *)a[1]);
	k.err = (__s32)a[3];
	__u32 map_type = (__u32)a[4], map_id = (__u32)a[5], index = (__u32)a[6];
	if (map_type == BPF_MAP_TYPE_DEVMAP || map_type == BPF_MAP_TYPE_DEVMAP_HASH) {
		/* tgt is a struct bpf_dtab_netdev, whose first member is the device */
		struct net_device *to = NULL;
		void *tgt = (void *)a[2];
		if (tgt)
			bpf_probe_read_kernel(&to, sizeof(to), tgt);
		k.target = to ? BPF_CORE_READ(to, ifindex) : 0;
		k.map_id = map_id;
	} else if (map_type == BPF_MAP_TYPE_UNSPEC && map_id == NETDX_XDP_NO_MAP) {
		k.target = index;
	} else {
		k.target = index;
		k.map_id = map_id;
	}
	return count(&k, 0, 0);
}

static __always_inline int on_xdp_redirect(__u64 *a) { return redirect(a, XDP_EV_REDIRECT); }
static __always_inline int on_xdp_redirect_err(__u64 *a) { return redirect(a, XDP_EV_REDIRECT_ERR); }

/* xdp_bulk_tx(dev, sent, drops, err) */
static __always_inline int on_xdp_bulk_tx(__u64 *a)
{
	struct xdp_key k = { .event = XDP_EV_BULK_TX, .act = XDP_TX };
	if (!set_dev(&k, (const struct net_device *)a[0]))
		return 0;
	k.err = (__s32)a[3];
	return count(&k, (__u32)a[1], (__u32)a[2]);
}

/* xdp_devmap_xmit(from_dev, to_dev, sent, drops, err) */
static __always_inline int on_xdp_devmap_xmit(__u64 *a)
{
	struct xdp_key k = { .event = XDP_EV_DEVMAP_XMIT, .act = XDP_REDIRECT };
	if (!set_dev(&k, (const struct net_device *)a[0]))
		return 0;
	const struct net_device *to = (const struct net_device *)a[1];
	k.target = to ? BPF_CORE_READ(to, ifindex) : 0;
	k.err = (__s32)a[4];
	return count(&k, (__u32)a[2], (__u32)a[3]);
}

/* xdp_cpumap_enqueue(map_id, processed, drops, to_cpu) and xdp_cpumap_kthread(map_id, processed,
 * drops, sched, stats): the target is the CPU the frames go to, or the kthread's own */
static __always_inline int cpumap(__u64 *a, __u32 event, __u32 cpu)
{
	struct xdp_key k = { .event = event, .act = XDP_REDIRECT, .map_id = (__u32)a[0], .target = cpu };
	if (!set_dev(&k, NULL))
		return 0;
	return count(&k, (__u32)a[1], (__u32)a[2]);
}

static __always_inline int on_xdp_cpumap_enqueue(__u64 *a) { return cpumap(a, XDP_EV_CPUMAP_ENQUEUE, (__u32)a[3]); }
static __always_inline int on_xdp_cpumap_kthread(__u64 *a) { return cpumap(a, XDP_EV_CPUMAP_KTHREAD, bpf_get_smp_processor_id()); }

NETDX_XDP_PROGRAMS(xdp_exception)
NETDX_XDP_PROGRAMS(xdp_redirect)
NETDX_XDP_PROGRAMS(xdp_redirect_err)
NETDX_XDP_PROGRAMS(xdp_bulk_tx)
NETDX_XDP_PROGRAMS(xdp_devmap_xmit)
NETDX_XDP_PROGRAMS(xdp_cpumap_enqueue)
NETDX_XDP_PROGRAMS(xdp_cpumap_kthread)

char LICENSE[] SEC("license") = "Dual BSD/GPL";
