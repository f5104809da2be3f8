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
#include <bpf/bpf_endian.h>
#include "netdx_tcpev.h"
#include "tcpreset.h"

#define TCP_NEW_SYN_RECV 12

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 20);
} events SEC(".maps");

NETDX_LOST_MAP(lost);
NETDX_EXPORT(tcpreset_event);

/* The ends of the packet skb (local: its destination), its namespace from its device. */
static __always_inline bool from_packet(struct netdx_tcpev_sock *e, struct sk_buff *skb)
{
	unsigned char *head = BPF_CORE_READ(skb, head);
	__u16 nh = BPF_CORE_READ(skb, network_header), th = BPF_CORE_READ(skb, transport_header);
	__u8 ver = 0;
	__u16 ports[2] = {};
	struct net_device *dev = BPF_CORE_READ(skb, dev);

	bpf_probe_read_kernel(&ver, 1, head + nh);
	__builtin_memset(e->saddr, 0, 16);
	__builtin_memset(e->daddr, 0, 16);
	if (ver >> 4 == 4) {
		e->family = AF_INET;
		bpf_probe_read_kernel(e->saddr, 4, head + nh + 16);
		bpf_probe_read_kernel(e->daddr, 4, head + nh + 12);
	} else if (ver >> 4 == 6) {
		e->family = AF_INET6;
		bpf_probe_read_kernel(e->saddr, 16, head + nh + 24);
		bpf_probe_read_kernel(e->daddr, 16, head + nh + 8);
	} else {
		return false;
	}
	bpf_probe_read_kernel(ports, sizeof(ports), head + th);
	e->sport = bpf_ntohs(ports[1]);
	e->dport = bpf_ntohs(ports[0]);
	e->netns = dev ? BPF_CORE_READ(dev, nd_net.net, ns.inum) : 0;
	e->ts_ns = bpf_ktime_get_ns();
	e->pid = 0;
	__builtin_memset(e->comm, 0, sizeof(e->comm));
	e->_sock_pad = 0;
	return true;
}

static __always_inline int on_reset(struct sock *sk, struct sk_buff *skb, __u32 reason, bool sent)
{
	struct tcpreset_event ev = {};
	struct netdx_tcpev_sock *s = (struct netdx_tcpev_sock *)&ev;
	__u8 state = sk ? BPF_CORE_READ(sk, __sk_common.skc_state) : 0;
	struct netdx_owner *o;

	if (sk && state != NETDX_TCP_TIME_WAIT && state != TCP_NEW_SYN_RECV) {
		if (!netdx_tcpev_ok(sk, &o))
			return 0;
		netdx_tcpev_fill(s, sk, o);
		ev.has_sk = 1;
	} else {
		if (!skb || !from_packet(s, skb) || filter_tgid)
			return 0;
		if ((filter_netns && s->netns != filter_netns) || !netdx_family_ok(s->family) ||
		    !netdx_lport_ok(s->sport) || !netdx_rport_ok(s->dport))
			return 0;
		s->state = state;
	}
	ev.reason = reason;
	ev.sent = sent;
	struct tcpreset_event *e = netdx_reserve(&events, &lost, struct tcpreset_event);
	if (!e)
		return 0;
	__builtin_memcpy(e, &ev, sizeof(ev));
	bpf_ringbuf_submit(e, BPF_RB_NO_WAKEUP);
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
