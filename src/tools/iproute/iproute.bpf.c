// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* iproute: route and neighbour failures, counted here per (kind, detail, destination, device,
 * namespace, process) and drained by user space each interval, or one ring-buffer record each
 * (events_mode):
 *  - a route lookup that found no route, or an unreachable, prohibit or blackhole one
 *    (fib:fib_table_lookup with an error, on output: the flow's input interface is loopback;
 *    fib6:fib6_table_lookup in the main table). -EAGAIN is "nothing matched in this table": with
 *    no policy rules, what the caller turns into ENETUNREACH and IpOutNoRoutes counts;
 *  - packets dropped for a route or neighbour reason (skb:kfree_skb: IP_OUTNOROUTES,
 *    IP_INNOROUTES, NEIGH_FAILED, NEIGH_QUEUEFULL, ..., the reasons set by user space);
 *  - neighbours that went FAILED (neigh:neigh_timer_handler: no answer to the last probe), sends
 *    to a dead entry (neigh:neigh_event_send_dead), entries not made (neigh:neigh_create with
 *    none created: the table is full).
 * An IPv4 route lookup carries no namespace: it is the current task's (lookups on output run in
 * the sending process, except a TCP timer's or a reply's, in softirq). */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "netdx_drop.h"
#include "iproute.h"

#define LOOPBACK_IFINDEX 1
#define RT_TABLE_MAIN 254
#define NUD_FAILED 0x20
#define RTN_BLACKHOLE 6
#define RTN_UNREACHABLE 7
#define RTN_PROHIBIT 8
#define RTN_THROW 9
#define EINVAL 22
#define EACCES 13
#define EAGAIN 11
#define EHOSTUNREACH 113

/* -I: only failures on this device (by name); route lookups, which have none, are left out. */
const volatile char filter_dev[16] = {};

/* fails (drained each interval), or with events_mode one record per failure in `events` */
NETDX_SUMMARY_OR_EVENTS(fails, iproute_key, iproute_val, 8192, iproute_event, 1 << 20);

static __always_inline bool dev_ok(const char *dev)
{
	if (!filter_dev[0])
		return true;
	for (int i = 0; i < 16; i++) {
		if (dev[i] != filter_dev[i])
			return false;
		if (!dev[i])
			break;
	}
	return true;
}

/* Counts or sends k (filters already applied but the device's and the family's). */
static __always_inline void report(struct iproute_key *k, __u64 location)
{
	if (!netdx_family_ok(k->family) || !dev_ok(k->dev))
		return;
	if (events_mode) {
		struct iproute_event *e = netdx_reserve(&events, &lost, struct iproute_event);
		if (!e)
			return;
		__builtin_memcpy(e, k, sizeof(*k));
		e->ts_ns = bpf_ktime_get_ns();
		e->location = location;
		__builtin_memset(e->comm, 0, sizeof(e->comm));
		if (k->tgid)
			bpf_get_current_comm(e->comm, sizeof(e->comm));
		bpf_ringbuf_submit(e, BPF_RB_NO_WAKEUP);
		return;
	}
	struct iproute_val zero = {}, *v = bpf_map_lookup_elem(&fails, k);
	if (!v) {
		if (k->tgid)
			bpf_get_current_comm(zero.comm, sizeof(zero.comm));
		v = netdx_agg_get(&fails, k, &zero, &lost);
	}
	if (v)
		__sync_fetch_and_add(&v->count, 1);
}

/* The device's index, name and namespace into k. */
static __always_inline void dev_of(struct iproute_key *k, struct net_device *dev)
{
	if (!dev)
		return;
	k->ifindex = BPF_CORE_READ(dev, ifindex);
	BPF_CORE_READ_STR_INTO(&k->dev, dev, name);
	if (!k->netns)
		k->netns = BPF_CORE_READ(dev, nd_net.net, ns.inum);
}

static __always_inline __u32 current_netns(void)
{
	struct task_struct *t = (struct task_struct *)bpf_get_current_task();
	return BPF_CORE_READ(t, nsproxy, net_ns, ns.inum);
}

/* ---------------------------------------------------------------- route lookups */

/* A failed lookup on output, in the current process (its namespace unless `netns` is given). */
static __always_inline int on_lookup(__u16 family, __u32 table, int err, int iif, const void *daddr, __u32 netns)
{
	if (!err || iif != LOOPBACK_IFINDEX || filter_dev[0])
		return 0;
	struct iproute_key k = {};
	k.netns = netns ?: current_netns();
	if (filter_netns && k.netns != filter_netns)
		return 0;
	__u64 id = bpf_get_current_pid_tgid();
	if (filter_tgid && id >> 32 != filter_tgid)
		return 0;
	k.kind = IPROUTE_NO_ROUTE;
	k.family = family;
	k.table = table;
	k.code = err;
	k.tgid = id >> 32;
	bpf_probe_read_kernel(k.daddr, family == AF_INET ? 4 : 16, daddr);
	report(&k, 0);
	return 0;
}

SEC("raw_tp/fib_table_lookup")
int iproute_fib_raw(struct bpf_raw_tracepoint_args *ctx)
{
	struct flowi4 *fl = (struct flowi4 *)ctx->args[1];
	__be32 daddr = BPF_CORE_READ(fl, daddr);
	return on_lookup(AF_INET, ctx->args[0], (int)ctx->args[3], BPF_CORE_READ(fl, __fl_common.flowic_iif), &daddr, 0);
}

SEC("tracepoint/fib/fib_table_lookup")
int iproute_fib_tp(struct trace_event_raw_fib_table_lookup *ctx)
{
	/* read by on_lookup (bpf_probe_read_kernel): the context is not copied from */
	return on_lookup(AF_INET, ctx->tb_id, ctx->err, ctx->iif, ctx->dst, 0);
}

SEC("tp_btf/fib_table_lookup")
int BPF_PROG(iproute_fib_btf, u32 tb_id, const struct flowi4 *fl, const struct fib_nh_common *nhc, int err)
{
	__be32 daddr = BPF_CORE_READ(fl, daddr);
	return on_lookup(AF_INET, tb_id, err, BPF_CORE_READ(fl, __fl_common.flowic_iif), &daddr, 0);
}

/* IPv6: the main table's (a remote destination is first looked up in the local table, where it
 * is not found, every time); the error as the tracepoint makes it from the route's type. */
static __always_inline int on_lookup6(const struct net *net, const struct fib6_result *res, struct fib6_table *table,
				      const struct flowi6 *fl)
{
	__u32 id = BPF_CORE_READ(table, tb6_id);
	if (id != RT_TABLE_MAIN)
		return 0;
	__u8 type = BPF_CORE_READ(res, fib6_type);
	int err = type == RTN_UNREACHABLE ? -EHOSTUNREACH : type == RTN_BLACKHOLE ? -EINVAL :
		  type == RTN_PROHIBIT ? -EACCES : type == RTN_THROW ? -EAGAIN : 0;
	struct in6_addr daddr = BPF_CORE_READ(fl, daddr);
	return on_lookup(AF_INET6, id, err, BPF_CORE_READ(fl, __fl_common.flowic_iif), &daddr, BPF_CORE_READ(net, ns.inum));
}

SEC("raw_tp/fib6_table_lookup")
int iproute_fib6_raw(struct bpf_raw_tracepoint_args *ctx)
{
	return on_lookup6((void *)ctx->args[0], (void *)ctx->args[1], (void *)ctx->args[2], (void *)ctx->args[3]);
}

SEC("tracepoint/fib6/fib6_table_lookup")
int iproute_fib6_tp(struct trace_event_raw_fib6_table_lookup *ctx)
{
	if (ctx->tb_id != RT_TABLE_MAIN)
		return 0;
	return on_lookup(AF_INET6, ctx->tb_id, ctx->err, ctx->iif, ctx->dst, 0);
}

SEC("tp_btf/fib6_table_lookup")
int BPF_PROG(iproute_fib6_btf, const struct net *net, const struct fib6_result *res, struct fib6_table *table,
	     const struct flowi6 *fl)
{
	return on_lookup6(net, res, table, fl);
}

/* ---------------------------------------------------------------- drops */

static __always_inline int on_drop(struct sk_buff *skb, void *location, __u32 reason, struct sock *rx_sk)
{
	/* user space always sets the route and neighbour reasons */
	if (!skb || !filter_reasons || !netdx_drop_reason_ok(reason) || filter_tgid)
		return 0;
	struct iproute_key k = {};
	struct sock *sk = netdx_drop_sock(skb, rx_sk);
	k.netns = netdx_drop_netns(skb, sk);
	if (filter_netns && k.netns != filter_netns)
		return 0;
	struct netdx_drop_pkt p = {};
	netdx_drop_packet(skb, &p);
	netdx_drop_ends_from_sk(&p, sk);
	k.kind = IPROUTE_DROP;
	k.code = reason;
	k.family = p.family;
	__builtin_memcpy(k.daddr, p.daddr, 16);
	dev_of(&k, BPF_CORE_READ(skb, dev));
	report(&k, (__u64)location);
	return 0;
}

/* iproute_drop_raw, iproute_drop_tp, iproute_drop_btf */
NETDX_KFREE_SKB_ALL_PROGRAMS(iproute_drop, on_drop)

/* ---------------------------------------------------------------- neighbours */

static __always_inline int on_neigh(struct neighbour *n, __u8 kind)
{
	if (filter_tgid)
		return 0;
	struct iproute_key k = {};
	struct net_device *dev = BPF_CORE_READ(n, dev);
	k.netns = dev ? BPF_CORE_READ(dev, nd_net.net, ns.inum) : 0;
	if (filter_netns && k.netns != filter_netns)
		return 0;
	k.kind = kind;
	k.family = BPF_CORE_READ(n, tbl, family);
	bpf_probe_read_kernel(k.daddr, k.family == AF_INET6 ? 16 : 4, &n->primary_key);
	dev_of(&k, dev);
	report(&k, 0);
	return 0;
}

static __always_inline int on_timer(struct neighbour *n)
{
	return BPF_CORE_READ(n, nud_state) == NUD_FAILED ? on_neigh(n, IPROUTE_NEIGH_FAILED) : 0;
}

SEC("raw_tp/neigh_timer_handler")
int iproute_ntimer_raw(struct bpf_raw_tracepoint_args *ctx)
{
	return on_timer((struct neighbour *)ctx->args[0]);
}

SEC("tp_btf/neigh_timer_handler")
int BPF_PROG(iproute_ntimer_btf, struct neighbour *n, int err)
{
	return on_timer(n);
}

SEC("raw_tp/neigh_event_send_dead")
int iproute_ndead_raw(struct bpf_raw_tracepoint_args *ctx)
{
	return on_neigh((struct neighbour *)ctx->args[0], IPROUTE_NEIGH_DEAD);
}

SEC("tp_btf/neigh_event_send_dead")
int BPF_PROG(iproute_ndead_btf, struct neighbour *n, int rc)
{
	return on_neigh(n, IPROUTE_NEIGH_DEAD);
}

/* neigh_create(tbl, dev, pkey, n, exempt_from_gc): n NULL when the table was full. */
static __always_inline int on_create(struct neigh_table *tbl, struct net_device *dev, const void *pkey, const struct neighbour *n)
{
	if (n || filter_tgid)
		return 0;
	struct iproute_key k = {};
	k.netns = dev ? BPF_CORE_READ(dev, nd_net.net, ns.inum) : 0;
	if (filter_netns && k.netns != filter_netns)
		return 0;
	k.kind = IPROUTE_NEIGH_NOMEM;
	k.family = BPF_CORE_READ(tbl, family);
	bpf_probe_read_kernel(k.daddr, k.family == AF_INET6 ? 16 : 4, pkey);
	dev_of(&k, dev);
	report(&k, 0);
	return 0;
}

SEC("raw_tp/neigh_create")
int iproute_ncreate_raw(struct bpf_raw_tracepoint_args *ctx)
{
	return on_create((void *)ctx->args[0], (void *)ctx->args[1], (void *)ctx->args[2], (void *)ctx->args[3]);
}

SEC("tp_btf/neigh_create")
int BPF_PROG(iproute_ncreate_btf, struct neigh_table *tbl, struct net_device *dev, const void *pkey,
	     const struct neighbour *n, bool exempt_from_gc)
{
	return on_create(tbl, dev, pkey, n);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
