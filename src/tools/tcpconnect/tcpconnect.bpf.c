// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* tcpconnect: every active TCP open with its process, addresses, latency and result, on the
 * sock:inet_sock_set_state tracepoint (no kprobe on tcp_v4_connect as BCC uses).
 *
 * CLOSE->SYN_SENT runs in connect(), in the caller's process: the start time is kept per socket
 * and the owner remembered in the owner cache. The outcome is the next transition:
 * SYN_SENT->ESTABLISHED (connected) or SYN_SENT->CLOSE, where sk_err holds why (tcp_reset()
 * sets ECONNREFUSED and tcp_write_err() ETIMEDOUT before tcp_done() sets CLOSE); sk_err 0 there
 * means the application closed the socket before the handshake ended. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "netdx.h"
#include "netdx_filter.h"
#include "netdx_owner.h"
#include "netdx_tcpstate.h"
#include "tcpconnect.h"

/* Only failed connects (--failed). */
const volatile bool only_failed = false;
/* tcpconnlat: the latency of each connect that succeeds goes to a log2 histogram in µs (lat_hist,
 * drained by user space each interval) instead of an event; per remote port with hist_per_port. */
const volatile bool hist_mode = false;
const volatile bool hist_per_port = false;

/* Key: the remote port (0 for all with !hist_per_port); value: the shared struct netdx_hist. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, struct netdx_hist);
} lat_hist SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, __u64); /* SYN_SENT time */
} pending SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4 << 20);
} events SEC(".maps");

NETDX_LOST_MAP(lost);
NETDX_EXPORT(tcpconnect_event);

static __always_inline void add_latency(__u32 port, __u64 ns)
{
	struct netdx_hist *h = bpf_map_lookup_elem(&lat_hist, &port);
	if (!h) {
		struct netdx_hist zero = {};
		/* BPF_NOEXIST: another CPU may have made it meanwhile (the lookup then finds it) */
		bpf_map_update_elem(&lat_hist, &port, &zero, BPF_NOEXIST);
		h = bpf_map_lookup_elem(&lat_hist, &port);
		if (!h) {
			netdx_count(&lost, NETDX_LOST_UNTRACKED);
			return;
		}
	}
	netdx_hist_add(h, ns / 1000);
}

static __always_inline int handle(struct sock *sk, int oldstate, int newstate)
{
	__u64 key = (__u64)sk;

	if (newstate == NETDX_TCP_SYN_SENT) {
		/* connect(): the process context the filters on process and cgroup need */
		if (!netdx_task_ok() || !netdx_netns_ok(sk) || !netdx_family_ok(BPF_CORE_READ(sk, __sk_common.skc_family)) ||
		    !netdx_rport_ok(netdx_sk_rport(sk)))
			return 0;
		netdx_owner_born(sk, true);
		__u64 now = bpf_ktime_get_ns();
		if (bpf_map_update_elem(&pending, &key, &now, BPF_ANY))
			netdx_count(&lost, NETDX_LOST_UNTRACKED);
		return 0;
	}
	if (oldstate != NETDX_TCP_SYN_SENT)
		return 0;
	__u64 *start = bpf_map_lookup_elem(&pending, &key);
	if (!start)
		return 0;
	__u64 t0 = *start;
	bpf_map_delete_elem(&pending, &key);

	int err = 0;
	if (newstate != NETDX_TCP_ESTABLISHED) {
		err = BPF_CORE_READ(sk, sk_err);
		if (!err)
			err = -1;
	}
	if (only_failed && !err)
		return 0;
	/* the local port is chosen during connect(): decided here */
	__u16 sport = netdx_sk_lport(sk);
	if (!netdx_lport_ok(sport))
		return 0;

	if (hist_mode) {
		if (!err)
			add_latency(hist_per_port ? netdx_sk_rport(sk) : 0, bpf_ktime_get_ns() - t0);
		return 0;
	}

	struct tcpconnect_event *e = netdx_reserve(&events, &lost, struct tcpconnect_event);
	if (!e)
		return 0;
	__u16 family = BPF_CORE_READ(sk, __sk_common.skc_family);
	struct netdx_owner *o = netdx_owner_get(sk);
	e->ts_ns = bpf_ktime_get_ns();
	e->latency_ns = e->ts_ns - t0;
	e->pid = o ? o->tgid : 0;
	e->tid = o ? o->pid : 0;
	if (o)
		__builtin_memcpy(e->comm, o->comm, sizeof(e->comm));
	else
		__builtin_memset(e->comm, 0, sizeof(e->comm));
	e->netns = netdx_sk_netns(sk);
	e->err = err;
	e->sport = sport;
	e->dport = netdx_sk_rport(sk);
	e->family = family;
	e->_pad = 0;
	netdx_sk_addrs(sk, family, e->saddr, e->daddr);
	bpf_ringbuf_submit(e, BPF_RB_NO_WAKEUP);
	return 0;
}

NETDX_TCP_STATE_PROGRAMS(tcpconnect, handle)

char LICENSE[] SEC("license") = "Dual BSD/GPL";
