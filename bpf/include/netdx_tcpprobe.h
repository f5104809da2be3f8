/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* For tools on tcp:tcp_probe: the tracepoint tcp_rcv_established() fires once per segment a
 * socket in ESTABLISHED receives (never for listeners or handshakes), in softirq or, for segments
 * queued while the owner held the socket, in the owner's process at release_sock(). `current` is
 * not the owner there: the owner comes from the socket-owner cache (netdx_owner.h).
 *
 * NETDX_TCP_PROBE_PROGRAMS(prefix, fn) defines prefix_probe_raw (raw_tp: cheapest, no record
 * built), prefix_probe_tp (the classic tracepoint: its record's skaddr and skbaddr) and
 * prefix_probe_btf (tp_btf: typed pointers), each calling fn(struct sock *sk, struct sk_buff *skb);
 * user space loads one (core/kit/tcpprobe.ts). The tracepoint's own fields are read here from the
 * tcp_sock, as the tracepoint reads them. */
#ifndef NETDX_TCPPROBE_H
#define NETDX_TCPPROBE_H

#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "netdx.h"
#include "netdx_filter.h"
#include "netdx_owner.h"

#define NETDX_TCP_PROBE_PROGRAMS(PREFIX, FN)                                                \
	SEC("raw_tp/tcp_probe")                                                             \
	int PREFIX##_probe_raw(struct bpf_raw_tracepoint_args *ctx)                         \
	{                                                                                   \
		return FN((struct sock *)ctx->args[0], (struct sk_buff *)ctx->args[1]);     \
	}                                                                                   \
	SEC("tracepoint/tcp/tcp_probe")                                                     \
	int PREFIX##_probe_tp(struct trace_event_raw_tcp_probe *ctx)                        \
	{                                                                                   \
		return FN((struct sock *)ctx->skaddr, (struct sk_buff *)ctx->skbaddr);      \
	}                                                                                   \
	SEC("tp_btf/tcp_probe")                                                             \
	int BPF_PROG(PREFIX##_probe_btf, struct sock *sk, const struct sk_buff *skb)        \
	{                                                                                   \
		return FN(sk, (struct sk_buff *)skb);                                       \
	}

/* Three entry programs for a tracepoint whose first argument is the one pointer a tool needs (a
 * socket or an skb): NAME_raw (raw_tp), NAME_tp (the classic tracepoint CAT/TP, whose record
 * struct trace_event_raw_CLASS holds the pointer in FIELD) and NAME_btf (tp_btf), each calling
 * FN((TYPE *)pointer). Used with tcp:tcp_probe's by tcppktlat (tcp_rcv_space_adjust), and by
 * tcpnagle (sock_send_length, net_dev_queue). */
#define NETDX_PTR_TP_PROGRAMS(NAME, CAT, TP, CLASS, FIELD, TYPE, FN)                        \
	SEC("raw_tp/" #TP)                                                                  \
	int NAME##_raw(struct bpf_raw_tracepoint_args *ctx)                                 \
	{                                                                                   \
		return FN((TYPE *)ctx->args[0]);                                            \
	}                                                                                   \
	SEC("tracepoint/" #CAT "/" #TP)                                                     \
	int NAME##_tp(struct trace_event_raw_##CLASS *ctx)                                  \
	{                                                                                   \
		return FN((TYPE *)ctx->FIELD);                                              \
	}                                                                                   \
	SEC("tp_btf/" #TP)                                                                  \
	int BPF_PROG(NAME##_btf, TYPE *p)                                                   \
	{                                                                                   \
		return FN(p);                                                               \
	}

/* The smoothed RTT in µs, as the tracepoint's srtt field and tcp_info's tcpi_rtt (ss's rtt:). */
static __always_inline __u32 netdx_tcp_srtt_us(struct sock *sk)
{
	return BPF_CORE_READ((struct tcp_sock *)sk, srtt_us) >> 3;
}

/* The socket's owner for the process filter: unknown (NULL) until the cache names it. */
static __always_inline bool netdx_owner_ok(struct sock *sk)
{
	if (!netdx_proc_filtered())
		return true;
	struct netdx_owner *o = netdx_owner_get(sk);
	return o && netdx_proc_ok(o->tgid, o->comm);
}

/* The shared filters for a socket seen in softirq: namespace, family, ports, owning process. */
static __always_inline bool netdx_tcpprobe_ok(struct sock *sk)
{
	return netdx_sk_ok(sk) && netdx_owner_ok(sk);
}

/* Payload bytes of the segment: the tracepoint's data_len (skb->len less the TCP header). */
static __always_inline __u32 netdx_tcp_seg_len(struct sk_buff *skb)
{
	__u32 len = BPF_CORE_READ(skb, len);
	unsigned char *head = BPF_CORE_READ(skb, head);
	__u16 th_off = BPF_CORE_READ(skb, transport_header);
	__u8 doff = 0;
	/* the data offset: the high nibble of byte 12 of the TCP header, in 32-bit words */
	bpf_probe_read_kernel(&doff, 1, head + th_off + 12);
	__u32 hl = (doff >> 4) * 4;
	return len > hl ? len - hl : 0;
}

#endif
