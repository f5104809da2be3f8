// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* softirqs: time spent in each softirq run, per vector and CPU, aggregated in the kernel as a
 * count, an exact total and a log2 histogram in µs (like BCC's softirqs -d, per CPU).
 *
 * irq:softirq_entry stamps a per-CPU slot for the vector; irq:softirq_exit adds the delta to the
 * (vector, CPU) aggregate. Softirqs do not nest on a CPU, so each aggregate has one writer and
 * the start slot needs no lock. User space drains the aggregates every interval.
 * Three entry points per hook, one loaded: raw_tp (cheapest, quick to load), tp_btf, or the
 * classic tracepoint (before 4.17; it skips softirqs that interrupt another tracing program).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "netdx.h"
#include "softirqs.h"

_Static_assert(sizeof(((struct softirqs_val *)0)->slots) == sizeof(struct netdx_hist),
	       "softirqs_val.slots is a struct netdx_hist");

/* Every vector, not only NET_RX and NET_TX (--all). */
const volatile bool all_vecs = false;
/* Only this CPU (--cpu), or -1. */
const volatile __s32 only_cpu = -1;

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, NR_SOFTIRQS);
	__type(key, __u32);
	__type(value, __u64);
} start SEC(".maps");

/* Sized by user space to NR_SOFTIRQS x possible CPUs, so it cannot fill. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, NR_SOFTIRQS * 64);
	__type(key, struct softirqs_key);
	__type(value, struct softirqs_val);
} hists SEC(".maps");

NETDX_LOST_MAP(lost);
NETDX_EXPORT(softirqs_key);
NETDX_EXPORT(softirqs_val);

/* Constant-folded by the verifier (rodata is frozen): unwanted vectors cost a compare. */
static __always_inline bool wanted(__u32 vec)
{
	if (vec >= NR_SOFTIRQS)
		return false;
	if (!all_vecs && vec != NET_RX_SOFTIRQ && vec != NET_TX_SOFTIRQ)
		return false;
	return only_cpu < 0 || bpf_get_smp_processor_id() == (__u32)only_cpu;
}

static __always_inline int on_entry(__u32 vec)
{
	if (!wanted(vec))
		return 0;
	__u64 *ts = bpf_map_lookup_elem(&start, &vec);
	if (ts)
		*ts = bpf_ktime_get_ns();
	return 0;
}

static __always_inline int on_exit(__u32 vec)
{
	if (!wanted(vec))
		return 0;
	__u64 *ts = bpf_map_lookup_elem(&start, &vec);
	/* 0: the run began before tracing (or its entry was missed) */
	if (!ts || !*ts)
		return 0;
	__u64 delta = bpf_ktime_get_ns() - *ts;
	*ts = 0;

	struct softirqs_key key = { .vec = vec, .cpu = bpf_get_smp_processor_id() };
	struct softirqs_val *v = bpf_map_lookup_elem(&hists, &key);
	if (!v) {
		struct softirqs_val zero = {};
		/* this CPU alone creates its keys: a failure means the map is full */
		if (bpf_map_update_elem(&hists, &key, &zero, BPF_NOEXIST))
			netdx_count(&lost, NETDX_LOST_UNTRACKED);
		v = bpf_map_lookup_elem(&hists, &key);
		if (!v)
			return 0;
	}
	v->count++;
	v->total_ns += delta;
	netdx_hist_add((struct netdx_hist *)v->slots, delta / 1000);
	return 0;
}

SEC("raw_tp/softirq_entry")
int softirqs_entry_raw(struct bpf_raw_tracepoint_args *ctx)
{
	return on_entry((__u32)ctx->args[0]);
}

SEC("raw_tp/softirq_exit")
int softirqs_exit_raw(struct bpf_raw_tracepoint_args *ctx)
{
	return on_exit((__u32)ctx->args[0]);
}

SEC("tp_btf/softirq_entry")
int BPF_PROG(softirqs_entry_btf, unsigned int vec)
{
	return on_entry(vec);
}

SEC("tp_btf/softirq_exit")
int BPF_PROG(softirqs_exit_btf, unsigned int vec)
{
	return on_exit(vec);
}

SEC("tracepoint/irq/softirq_entry")
int softirqs_entry_tp(struct trace_event_raw_softirq *ctx)
{
	return on_entry(ctx->vec);
}

SEC("tracepoint/irq/softirq_exit")
int softirqs_exit_tp(struct trace_event_raw_softirq *ctx)
{
	return on_exit(ctx->vec);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
