// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* soconnlat: connect latency as log2 histograms per process (or for all), aggregated in the
 * kernel. A TCP connect is timed from SYN_SENT, set inside connect(), to its outcome on
 * sock:inet_sock_set_state (ESTABLISHED, or CLOSE: failed), so a non-blocking connect counts
 * when its handshake ends, whenever the application learns of it (poll, epoll, a write). The
 * outcome often runs in softirq: the owner comes from the owner cache, filled at SYN_SENT.
 * Every other connect() (UDP, unix, ...) completes in the call: timed on the syscall
 * tracepoints from entry to exit, failed when it returned an error. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "netdx.h"
#include "netdx_filter.h"
#include "netdx_owner.h"
#include "netdx_tcpstate.h"
#include "netdx_sys.h"
#include "soconnlat.h"

NETDX_SYS_CALLS_MAP(calls);
NETDX_LOST_MAP(lost);
NETDX_SYS_HISTS(soconnlat_key, soconnlat_val)

/* TCP connects under way: the SYN_SENT time, by socket */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, __u64);
} syn_sent SEC(".maps");

static __always_inline int on_state(struct sock *sk, int oldstate, int newstate)
{
	__u64 key = (__u64)sk, now = bpf_ktime_get_ns();
	if (newstate == NETDX_TCP_SYN_SENT) {
		/* inside connect(): the caller's context, for the filters and the owner */
		if (!netdx_task_ok() || !netdx_sk_ok(sk))
			return 0;
		netdx_owner_set(sk);
		if (bpf_map_update_elem(&syn_sent, &key, &now, BPF_ANY))
			netdx_count(&lost, NETDX_LOST_UNTRACKED);
		return 0;
	}
	__u64 *t0 = oldstate == NETDX_TCP_SYN_SENT ? bpf_map_lookup_elem(&syn_sent, &key) : NULL;
	if (!t0)
		return 0;
	__u64 delta = now - *t0;
	bpf_map_delete_elem(&syn_sent, &key);
	hist_add(netdx_owner_get(sk), newstate != NETDX_TCP_ESTABLISHED, delta);
	return 0;
}

/* soconnlat_raw, soconnlat_tp, soconnlat_btf: one is loaded */
NETDX_TCP_STATE_PROGRAMS(soconnlat, on_state)

static __always_inline int on_enter(long fd, long uaddr, long addrlen)
{
	struct netdx_sys_call c = {};
	struct sock *sk;
	if (!netdx_sys_begin_addr(&c, fd, uaddr, addrlen))
		return 0;
	/* TCP is timed by its states (SYN_SENT has the port filters too) */
	sk = (struct sock *)c.sk;
	if (sk && BPF_CORE_READ_BITFIELD_PROBED(sk, sk_protocol) == IPPROTO_TCP)
		return 0;
	netdx_sys_save(&calls, &lost, &c);
	return 0;
}

static __always_inline int on_exit(struct netdx_sys_call *c, struct sock *sk, long ret)
{
	hist_add_current(ret < 0, bpf_ktime_get_ns() - c->ts_ns);
	return 0;
}

/* soconnlat_enter_connect, soconnlat_exit_connect */
NETDX_SYS_PROGRAMS(soconnlat, connect, on_enter, on_exit)

char LICENSE[] SEC("license") = "Dual BSD/GPL";
