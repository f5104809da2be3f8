/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The xdp: tracepoints (include/trace/events/xdp.h): which event, and entry programs on each as
 * raw_tp and tp_btf (NAME_raw, NAME_btf; user space loads one kind, core/kit variants). Both kinds
 * hand the tracepoint's arguments as an array of u64, so one function on_EVENT(__u64 *args)
 * serves both. The classic tracepoints' records carry no device pointer, so no namespace: they are not
 * used. Also the program id and device of an event. */
#ifndef NETDX_XDP_H
#define NETDX_XDP_H

#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>

/* Which xdp: tracepoint (xdp_key.event); lib.ts names them in this order. */
#define XDP_EV_EXCEPTION 0      /* xdp_exception: XDP_ABORTED, an unknown action, a failed XDP_TX */
#define XDP_EV_REDIRECT 1       /* xdp_redirect: a redirect done (every redirected packet) */
#define XDP_EV_REDIRECT_ERR 2   /* xdp_redirect_err: a redirect that failed */
#define XDP_EV_BULK_TX 3        /* xdp_bulk_tx: a batch of XDP_TX frames sent */
#define XDP_EV_DEVMAP_XMIT 4    /* xdp_devmap_xmit: a batch of redirected frames sent to a device */
#define XDP_EV_CPUMAP_ENQUEUE 5 /* xdp_cpumap_enqueue: frames queued to another CPU */
#define XDP_EV_CPUMAP_KTHREAD 6 /* xdp_cpumap_kthread: the other CPU's kthread took them */

/* (map_type UNSPEC, map_id INT_MAX): a bpf_redirect() without a map; index is the ifindex. */
#define NETDX_XDP_NO_MAP 0x7fffffff

/* EVENT_raw and EVENT_btf, both calling on_EVENT(args) */
#define NETDX_XDP_PROGRAMS(EVENT)                                                           \
	SEC("raw_tp/" #EVENT)                                                               \
	int EVENT##_raw(struct bpf_raw_tracepoint_args *ctx)                                \
	{                                                                                   \
		return on_##EVENT((__u64 *)ctx->args);                                      \
	}                                                                                   \
	SEC("tp_btf/" #EVENT)                                                               \
	int EVENT##_btf(__u64 *ctx)                                                         \
	{                                                                                   \
		return on_##EVENT(ctx);                                                     \
	}

/* The id of an XDP program (what rtnetlink's IFLA_XDP_PROG_ID and bpftool show). */
static __always_inline __u32 netdx_xdp_prog_id(const struct bpf_prog *prog)
{
	return prog ? BPF_CORE_READ(prog, aux, id) : 0;
}

#endif
