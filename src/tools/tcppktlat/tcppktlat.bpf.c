// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* tcppktlat: how long received TCP data waits for the application to read it, like
 * libbpf-tools' tcppktlat, on two tracepoints: tcp:tcp_probe stamps a socket's first segment
 * with data since its last read (softirq, or where the owner releases the socket), and
 * tcp:tcp_rcv_space_adjust, which tcp_recvmsg() fires in the reader's own process, ends the wait.
 * The wait is measured from the oldest unread segment: the longest any data waited. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "netdx.h"
#include "netdx_filter.h"
#include "netdx_tcpprobe.h"
#include "tcppktlat.h"

/* Only waits of at least this many ns (--min). */
const volatile __u64 min_ns = 0;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4 << 20);
} events SEC(".maps");

/* The first unread segment's arrival per socket; LRU: a socket closed unread ages out. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, __u64);
	__type(value, __u64);
} arrived SEC(".maps");

NETDX_LOST_MAP(lost);
NETDX_EXPORT(tcppktlat_event);

static __always_inline int on_segment(struct sock *sk, struct sk_buff *skb)
{
	if (!netdx_sk_ok(sk) || !netdx_tcp_seg_len(skb))
		return 0;
	__u64 key = (__u64)sk, now = bpf_ktime_get_ns();
	/* an older unread segment keeps its time */
	bpf_map_update_elem(&arrived, &key, &now, BPF_NOEXIST);
	return 0;
}

static __always_inline int on_read(struct sock *sk)
{
	__u64 key = (__u64)sk;
	__u64 *t = bpf_map_lookup_elem(&arrived, &key);
	if (!t)
		return 0;
	__u64 now = bpf_ktime_get_ns(), delta = now - *t;
	bpf_map_delete_elem(&arrived, &key);
	if (delta < min_ns || !netdx_task_ok())
		return 0;
	struct tcppktlat_event *e = netdx_reserve(&events, &lost, struct tcppktlat_event);
	if (!e)
		return 0;
	__u64 id = bpf_get_current_pid_tgid();
	__u16 family = BPF_CORE_READ(sk, __sk_common.skc_family);
	e->ts_ns = now;
	e->latency_ns = delta;
	e->pid = id >> 32;
	e->tid = (__u32)id;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	e->netns = netdx_sk_netns(sk);
	e->sport = netdx_sk_lport(sk);
	e->dport = netdx_sk_rport(sk);
	e->family = family;
	e->_pad = 0;
	netdx_sk_addrs(sk, family, e->saddr, e->daddr);
	bpf_ringbuf_submit(e, BPF_RB_NO_WAKEUP);
	return 0;
}

NETDX_TCP_PROBE_PROGRAMS(tcppktlat, on_segment)

NETDX_PTR_TP_PROGRAMS(tcppktlat_read, tcp, tcp_rcv_space_adjust, tcp_event_sk, skaddr, struct sock, on_read)

char LICENSE[] SEC("license") = "Dual BSD/GPL";
