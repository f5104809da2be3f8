// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* tcpwin: a TCP socket's congestion window, slow-start threshold, the peer's window, srtt, send
 * buffer and queued bytes each time it receives a segment (like bpftrace's tcpwin, which reads
 * them in a kprobe on tcp_rcv_established), on tcp:tcp_probe; at most one event per socket per
 * sampling period, decided in the kernel. The values are those before the segment is processed,
 * as the tracepoint's own fields. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "netdx.h"
#include "netdx_filter.h"
#include "netdx_owner.h"
#include "netdx_tcpprobe.h"
#include "tcpwin.h"

/* At most one event per socket per this many ns (-I); 0: every segment. */
const volatile __u64 period_ns = 0;

/* When each socket last sent an event. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, __u64);
	__type(value, __u64);
} last SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4 << 20);
} events SEC(".maps");

NETDX_LOST_MAP(lost);
NETDX_EXPORT(tcpwin_event);

static __always_inline int on_segment(struct sock *sk, struct sk_buff *skb)
{
	if (!netdx_tcpprobe_ok(sk))
		return 0;
	__u64 now = bpf_ktime_get_ns();
	if (period_ns) {
		__u64 key = (__u64)sk;
		__u64 *t = bpf_map_lookup_elem(&last, &key);
		if (t && now - *t < period_ns)
			return 0;
		if (t)
			*t = now;
		else
			bpf_map_update_elem(&last, &key, &now, BPF_ANY);
	}
	struct tcpwin_event *e = netdx_reserve(&events, &lost, struct tcpwin_event);
	if (!e)
		return 0;
	struct tcp_sock *tp = (struct tcp_sock *)sk;
	struct netdx_owner none = {};
	struct netdx_owner *o = netdx_owner_get(sk) ?: &none;
	__u16 family = BPF_CORE_READ(sk, __sk_common.skc_family);
	e->ts_ns = now;
	e->skaddr = (__u64)sk;
	e->pid = o->tgid; /* 0: not known yet */
	__builtin_memcpy(e->comm, o->comm, sizeof(e->comm));
	e->netns = netdx_sk_netns(sk);
	e->snd_cwnd = BPF_CORE_READ(tp, snd_cwnd);
	e->ssthresh = BPF_CORE_READ(tp, snd_ssthresh);
	e->snd_wnd = BPF_CORE_READ(tp, snd_wnd);
	e->srtt_us = netdx_tcp_srtt_us(sk);
	e->sndbuf = BPF_CORE_READ(sk, sk_sndbuf);
	e->wmem_queued = BPF_CORE_READ(sk, sk_wmem_queued);
	e->packets_out = BPF_CORE_READ(tp, packets_out);
	e->data_len = netdx_tcp_seg_len(skb);
	e->sport = netdx_sk_lport(sk);
	e->dport = netdx_sk_rport(sk);
	e->family = family;
	netdx_sk_addrs(sk, family, e->saddr, e->daddr);
	bpf_ringbuf_submit(e, BPF_RB_NO_WAKEUP);
	return 0;
}

NETDX_TCP_PROBE_PROGRAMS(tcpwin, on_segment)
NETDX_OWNER_ACCEPT_PROGRAMS(tcpwin)
NETDX_OWNER_IO_PROGRAMS(tcpwin)

char LICENSE[] SEC("license") = "Dual BSD/GPL";
