// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* tcpcong: time each TCP flow spends in each congestion state (Open, Disorder, CWR, Recovery,
 * Loss), like BCC's tcpcong, on tracepoints: tcp:tcp_cong_state_set (tcp_set_ca_state(): called
 * before icsk_ca_state changes, so the socket still holds the old state) and
 * sock:inet_sock_set_state, where a flow begins (->ESTABLISHED, in Open) and ends (->CLOSE).
 * The per-flow table is the aggregate: user space reads it each interval, adds the present
 * state's time up to then, and deletes closed flows. A flow established before tracing began is
 * followed from its first state change. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "netdx.h"
#include "netdx_filter.h"
#include "netdx_owner.h"
#include "netdx_tcpstate.h"
#include "tcpcong.h"

#define NSTATES 5

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, struct tcpcong_flow);
} flows SEC(".maps");

NETDX_LOST_MAP(lost);
NETDX_EXPORT(tcpcong_flow);

/* Notes the flow's owner, when known; a flow known to belong to another process than -p's is
 * not followed. */
static __always_inline bool other_owner(struct sock *sk, struct tcpcong_flow *f)
{
	struct netdx_owner *o = netdx_owner_get(sk);
	if (!o)
		return false;
	f->pid = o->tgid;
	__builtin_memcpy(f->comm, o->comm, sizeof(f->comm));
	return !netdx_proc_ok(o->tgid, o->comm);
}

/* A new entry for sk, in `state` since `now`; NULL when filtered out or the table is full. */
static __always_inline struct tcpcong_flow *follow(struct sock *sk, __u8 state, __u64 now)
{
	if (!netdx_sk_ok(sk))
		return NULL;
	__u64 key = (__u64)sk;
	struct tcpcong_flow f = {};
	if (other_owner(sk, &f))
		return NULL;
	f.family = BPF_CORE_READ(sk, __sk_common.skc_family);
	netdx_sk_addrs(sk, f.family, f.saddr, f.daddr);
	f.sport = netdx_sk_lport(sk);
	f.dport = netdx_sk_rport(sk);
	f.netns = netdx_sk_netns(sk);
	f.state = state < NSTATES ? state : 0;
	f.since_ns = now;
	if (bpf_map_update_elem(&flows, &key, &f, BPF_ANY)) {
		netdx_count(&lost, NETDX_LOST_UNTRACKED);
		return NULL;
	}
	return bpf_map_lookup_elem(&flows, &key);
}

/* The flow leaves its present state now: its time is added. */
static __always_inline void leave(struct tcpcong_flow *f, __u64 now)
{
	__u32 s = f->state;
	if (s < NSTATES && now > f->since_ns)
		f->ns[s] += now - f->since_ns;
	f->since_ns = now;
}

static __always_inline int on_state(struct sock *sk, int oldstate, int newstate)
{
	netdx_owner_on_state(sk, oldstate, newstate);
	__u64 now = bpf_ktime_get_ns();
	if (newstate == NETDX_TCP_ESTABLISHED) {
		follow(sk, BPF_CORE_READ_BITFIELD_PROBED((struct inet_connection_sock *)sk, icsk_ca_state), now);
		return 0;
	}
	if (newstate != NETDX_TCP_CLOSE)
		return 0;
	__u64 key = (__u64)sk;
	struct tcpcong_flow *f = bpf_map_lookup_elem(&flows, &key);
	if (!f || f->closed)
		return 0;
	leave(f, now);
	f->closed = 1;
	if (other_owner(sk, f))
		bpf_map_delete_elem(&flows, &key);
	return 0;
}

static __always_inline int on_cong(struct sock *sk, __u8 state)
{
	__u64 key = (__u64)sk, now = bpf_ktime_get_ns();
	struct tcpcong_flow *f = bpf_map_lookup_elem(&flows, &key);
	if (!f) {
		/* established before tracing: followed from now, in the state it leaves */
		f = follow(sk, BPF_CORE_READ_BITFIELD_PROBED((struct inet_connection_sock *)sk, icsk_ca_state), now);
		if (!f)
			return 0;
	}
	if (f->closed || state == f->state || state >= NSTATES)
		return 0;
	leave(f, now);
	f->state = state;
	f->enters[state] += 1;
	if (other_owner(sk, f))
		bpf_map_delete_elem(&flows, &key);
	return 0;
}

NETDX_TCP_STATE_PROGRAMS(tcpcong, on_state)

SEC("raw_tp/tcp_cong_state_set")
int tcpcong_cs_raw(struct bpf_raw_tracepoint_args *ctx)
{
	return on_cong((struct sock *)ctx->args[0], (__u8)ctx->args[1]);
}

SEC("tracepoint/tcp/tcp_cong_state_set")
int tcpcong_cs_tp(struct trace_event_raw_tcp_cong_state_set *ctx)
{
	return on_cong((struct sock *)ctx->skaddr, ctx->cong_state);
}

SEC("tp_btf/tcp_cong_state_set")
int BPF_PROG(tcpcong_cs_btf, struct sock *sk, __u8 state)
{
	return on_cong(sk, state);
}

NETDX_OWNER_ACCEPT_PROGRAMS(tcpcong)
NETDX_OWNER_IO_PROGRAMS(tcpcong)

char LICENSE[] SEC("license") = "Dual BSD/GPL";
