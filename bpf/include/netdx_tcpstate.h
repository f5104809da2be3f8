/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Entry programs on sock:inet_sock_set_state, TCP only, written once for every tool that follows
 * TCP state changes. NETDX_TCP_STATE_PROGRAMS(prefix, fn) defines prefix_raw (raw_tp: cheapest
 * per event, no perf record built, and quick to load with the object's minimal BTF),
 * prefix_tp (the classic tracepoint, kernels before 4.17) and prefix_btf (tp_btf: a typed
 * pointer; libbpf parses the kernel's whole BTF to load it). Each calls
 * fn(struct sock *sk, int oldstate, int newstate); user space loads exactly one (core/kit). */
#ifndef NETDX_TCPSTATE_H
#define NETDX_TCPSTATE_H

#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>

#ifndef IPPROTO_TCP
#define IPPROTO_TCP 6
#endif

#define NETDX_TCP_STATE_PROGRAMS(PREFIX, FN)                                                \
	SEC("raw_tp/inet_sock_set_state")                                                   \
	int PREFIX##_raw(struct bpf_raw_tracepoint_args *ctx)                               \
	{                                                                                   \
		struct sock *sk = (struct sock *)ctx->args[0];                              \
		if (BPF_CORE_READ_BITFIELD_PROBED(sk, sk_protocol) != IPPROTO_TCP)          \
			return 0;                                                           \
		return FN(sk, (int)ctx->args[1], (int)ctx->args[2]);                        \
	}                                                                                   \
	SEC("tracepoint/sock/inet_sock_set_state")                                          \
	int PREFIX##_tp(struct trace_event_raw_inet_sock_set_state *ctx)                    \
	{                                                                                   \
		if (ctx->protocol != IPPROTO_TCP)                                           \
			return 0;                                                           \
		return FN((struct sock *)ctx->skaddr, ctx->oldstate, ctx->newstate);        \
	}                                                                                   \
	SEC("tp_btf/inet_sock_set_state")                                                   \
	int BPF_PROG(PREFIX##_btf, struct sock *sk, int oldstate, int newstate)             \
	{                                                                                   \
		if (BPF_CORE_READ_BITFIELD_PROBED(sk, sk_protocol) != IPPROTO_TCP)          \
			return 0;                                                           \
		return FN(sk, oldstate, newstate);                                          \
	}

#endif
