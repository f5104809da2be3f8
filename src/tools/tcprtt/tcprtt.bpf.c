// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* tcprtt: the smoothed RTT (srtt) each received segment finds on its socket, on tcp:tcp_probe,
 * aggregated in the kernel as log2 histograms (like BCC's tcprtt, which reads the same srtt in a
 * kprobe on tcp_rcv_established): in total, per remote address or per local port. User space
 * drains the histograms every interval. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "netdx.h"
#include "netdx_filter.h"
#include "netdx_owner.h"
#include "netdx_tcpprobe.h"
#include "tcprtt.h"

_Static_assert(sizeof(((struct tcprtt_val *)0)->slots) == sizeof(struct netdx_hist),
	       "tcprtt_val.slots is a struct netdx_hist");

/* 0 one histogram, 1 per remote address (--byraddr), 2 per local port (--bylport) */
const volatile __u8 key_by = 0;
/* milliseconds rather than microseconds (-m) */
const volatile bool in_ms = false;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);
	__type(key, struct tcprtt_key);
	__type(value, struct tcprtt_val);
} hists SEC(".maps");

NETDX_LOST_MAP(lost);
NETDX_EXPORT(tcprtt_key);
NETDX_EXPORT(tcprtt_val);

static __always_inline int on_segment(struct sock *sk, struct sk_buff *skb)
{
	if (!netdx_tcpprobe_ok(sk))
		return 0;
	__u64 srtt = netdx_tcp_srtt_us(sk);
	if (in_ms)
		srtt /= 1000;

	struct tcprtt_key key = {};
	if (key_by == 1) {
		__u8 saddr[16];
		key.family = BPF_CORE_READ(sk, __sk_common.skc_family);
		netdx_sk_addrs(sk, key.family, saddr, key.raddr);
	} else if (key_by == 2) {
		key.lport = netdx_sk_lport(sk);
	}
	struct tcprtt_val *v = bpf_map_lookup_elem(&hists, &key);
	if (!v) {
		struct tcprtt_val zero = {};
		/* another CPU may have made it meanwhile (EEXIST): only a full map is a loss */
		if (bpf_map_update_elem(&hists, &key, &zero, BPF_NOEXIST) && !bpf_map_lookup_elem(&hists, &key))
			netdx_count(&lost, NETDX_LOST_UNTRACKED);
		v = bpf_map_lookup_elem(&hists, &key);
		if (!v)
			return 0;
	}
	__sync_fetch_and_add(&v->count, 1);
	__sync_fetch_and_add(&v->sum, srtt);
	netdx_hist_add((struct netdx_hist *)v->slots, srtt);
	return 0;
}

NETDX_TCP_PROBE_PROGRAMS(tcprtt, on_segment)
NETDX_OWNER_ACCEPT_PROGRAMS(tcprtt)
NETDX_OWNER_IO_PROGRAMS(tcprtt)

char LICENSE[] SEC("license") = "Dual BSD/GPL";
