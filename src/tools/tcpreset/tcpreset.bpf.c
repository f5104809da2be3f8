// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* tcpreset: each TCP reset sent (tcp:tcp_send_reset, with the kernel's reason, enum sk_rst_reason)
 * and received (tcp:tcp_receive_reset, with the state it found), with the owner from the owner
 * cache (both run in softirq as often as not).
 *
 * A reset sent with no full socket answers a packet: to a closed port (no socket), or to a
 * TIME_WAIT or request socket (their port fields are not those of a full socket): its ends are
 * read from that packet's IP and TCP headers, the local end being the packet's destination. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "netdx_tcpev.h"
#include "tcpreset.h"

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 20);
} events SEC(".maps");

NETDX_LOST_MAP(lost);
NETDX_EXPORT(tcpreset_event);

static __always_inline int on_reset(struct sock *sk, struct sk_buff *skb, __u32 reason, bool sent)
{
	struct tcpreset_event ev = {};

	if (!netdx_tcpev_from((struct netdx_tcpev_sock *)&ev, sk, skb, &ev.has_sk))
		return 0;
	ev.reason = reason;
	ev.sent = sent;
	netdx_tcpev_output(&events, &lost, &ev, sizeof(ev));
	return 0;
}

SEC("raw_tp/tcp_send_reset")
int tcpreset_out_raw(struct bpf_raw_tracepoint_args *ctx)
{
	return on_reset((struct sock *)ctx->args[0], (struct sk_buff *)ctx->args[1], (__u32)ctx->args[2], true);
}

SEC("tracepoint/tcp/tcp_send_reset")
int tcpreset_out_tp(struct trace_event_raw_tcp_send_reset *ctx)
{
	__u32 reason = 0;
	if (bpf_core_field_exists(ctx->reason))
		reason = BPF_CORE_READ(ctx, reason);
	return on_reset((struct sock *)ctx->skaddr, (struct sk_buff *)ctx->skbaddr, reason, true);
}

SEC("tp_btf/tcp_send_reset")
int BPF_PROG(tcpreset_out_btf, struct sock *sk, struct sk_buff *skb, enum sk_rst_reason reason)
{
	return on_reset(sk, skb, reason, true);
}

SEC("raw_tp/tcp_receive_reset")
int tcpreset_in_raw(struct bpf_raw_tracepoint_args *ctx)
{
	return on_reset((struct sock *)ctx->args[0], NULL, 0, false);
}

SEC("tracepoint/tcp/tcp_receive_reset")
int tcpreset_in_tp(struct trace_event_raw_tcp_event_sk *ctx)
{
	return on_reset((struct sock *)ctx->skaddr, NULL, 0, false);
}

SEC("tp_btf/tcp_receive_reset")
int BPF_PROG(tcpreset_in_btf, struct sock *sk)
{
	return on_reset(sk, NULL, 0, false);
}

/* tcpreset_state_{raw,tp,btf}, tcpreset_accept4/_accept, tcpreset_send/_recv */
NETDX_TCPEV_OWNER_PROGRAMS(tcpreset)

char LICENSE[] SEC("license") = "Dual BSD/GPL";
