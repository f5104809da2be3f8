// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* tcpretrans: each retransmitted TCP skb (tcp:tcp_retransmit_skb, tail loss probes included), with
 * its owner from the owner cache (the hook runs in softirq: timers and ACK processing) and its
 * kind; or (-c) counts per flow aggregated here and drained by user space each interval.
 *
 * Kind: a retransmit inside the expiry of a socket's tcp_write_timer (timer:timer_expire_entry and
 * _exit, the timer being that socket's icsk_retransmit_timer) is a tail loss probe when
 * icsk_pending was ICSK_TIME_LOSS_PROBE at the expiry, an RTO when it was ICSK_TIME_RETRANS (the
 * handler clears it before retransmitting, so it is read at the entry). Elsewhere (ACKs, the RACK
 * reordering timer) it is loss recovery: in the Loss state (after an RTO) the kernel counts it as
 * a slow-start retransmit, otherwise as a fast retransmit. A timer that fires while the socket is
 * locked by its process runs later from release_sock(), outside the expiry: counted as
 * recovery (docs/tools/tcpretrans.md). */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "netdx_tcpev.h"
#include "tcpretrans.h"

#define ICSK_TIME_RETRANS 1
#define ICSK_TIME_LOSS_PROBE 5
#define TCP_CA_LOSS 4

/* -c: aggregate per flow instead of one event per retransmit. */
const volatile bool count_mode = false;

/* The handler of TCP's retransmission timer (a static function: libbpf finds it in kallsyms). */
extern const void tcp_write_timer __ksym;

/* The socket whose tcp_write_timer is expiring on this CPU, and its icsk_pending then. */
struct in_timer {
	__u64 sk;
	__u32 pending;
	__u32 _pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct in_timer);
} timers SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, struct tcpretrans_key);
	__type(value, struct tcpretrans_val);
} counts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 20);
} events SEC(".maps");

NETDX_LOST_MAP(lost);
NETDX_EXPORT(tcpretrans_event);
NETDX_EXPORT(tcpretrans_key);
NETDX_EXPORT(tcpretrans_val);

static __always_inline int on_timer_entry(struct timer_list *t, const void *fn)
{
	if (fn != &tcp_write_timer)
		return 0;
	__u32 zero = 0;
	struct in_timer *it = bpf_map_lookup_elem(&timers, &zero);
	if (!it)
		return 0;
	struct inet_connection_sock *icsk =
		(void *)t - bpf_core_field_offset(struct inet_connection_sock, icsk_retransmit_timer);
	it->sk = (__u64)icsk;
	it->pending = BPF_CORE_READ(icsk, icsk_pending);
	return 0;
}

/* Timers do not nest on a CPU: any expiry's end ends ours. */
static __always_inline int on_timer_exit(void)
{
	__u32 zero = 0;
	struct in_timer *it = bpf_map_lookup_elem(&timers, &zero);
	if (it)
		it->sk = 0;
	return 0;
}

static __always_inline __u8 kind_of(struct sock *sk)
{
	__u32 zero = 0;
	struct in_timer *it = bpf_map_lookup_elem(&timers, &zero);
	if (it && it->sk == (__u64)sk) {
		if (it->pending == ICSK_TIME_LOSS_PROBE)
			return TCPRETRANS_TLP;
		if (it->pending == ICSK_TIME_RETRANS)
			return TCPRETRANS_RTO;
	}
	struct inet_connection_sock *icsk = (void *)sk;
	return BPF_CORE_READ_BITFIELD_PROBED(icsk, icsk_ca_state) == TCP_CA_LOSS ? TCPRETRANS_LOSS : TCPRETRANS_FAST;
}

static __always_inline void count(struct sock *sk, struct netdx_owner *o, __u8 kind, __u16 segs, int err)
{
	struct tcpretrans_key k = {};
	k.family = BPF_CORE_READ(sk, __sk_common.skc_family);
	k.netns = netdx_sk_netns(sk);
	k.pid = o ? o->tgid : 0;
	k.sport = netdx_sk_lport(sk);
	k.dport = netdx_sk_rport(sk);
	netdx_sk_addrs(sk, k.family, k.saddr, k.daddr);
	struct tcpretrans_val *v = bpf_map_lookup_elem(&counts, &k);
	if (!v) {
		struct tcpretrans_val zero = {};
		if (o)
			__builtin_memcpy(zero.comm, o->comm, sizeof(zero.comm));
		/* BPF_NOEXIST: another CPU may have made it meanwhile (then the lookup finds it) */
		bpf_map_update_elem(&counts, &k, &zero, BPF_NOEXIST);
		v = bpf_map_lookup_elem(&counts, &k);
		if (!v) {
			netdx_count(&lost, NETDX_LOST_UNTRACKED);
			return;
		}
	}
	if (err) {
		__sync_fetch_and_add(&v->failed, 1);
		return;
	}
	kind &= 3;
	__sync_fetch_and_add(&v->events[kind], 1);
	__sync_fetch_and_add(&v->segs[kind], segs);
}

static __always_inline int on_retransmit(struct sock *sk, struct sk_buff *skb, int err)
{
	struct netdx_owner *o;
	if (!sk || !netdx_tcpev_ok(sk, &o))
		return 0;
	__u8 kind = kind_of(sk);
	struct tcp_skb_cb *cb = (void *)skb + bpf_core_field_offset(struct sk_buff, cb);
	__u16 segs = BPF_CORE_READ(cb, tcp_gso_segs);
	if (!segs)
		segs = 1;
	if (count_mode) {
		count(sk, o, kind, segs, err);
		return 0;
	}
	struct tcpretrans_event *e = netdx_reserve(&events, &lost, struct tcpretrans_event);
	if (!e)
		return 0;
	netdx_tcpev_fill((struct netdx_tcpev_sock *)e, sk, o);
	e->err = err;
	e->segs = segs;
	e->kind = kind;
	e->_pad = 0;
	bpf_ringbuf_submit(e, BPF_RB_NO_WAKEUP);
	return 0;
}

SEC("raw_tp/tcp_retransmit_skb")
int tcpretrans_rtx_raw(struct bpf_raw_tracepoint_args *ctx)
{
	return on_retransmit((struct sock *)ctx->args[0], (struct sk_buff *)ctx->args[1], (int)ctx->args[2]);
}

SEC("tracepoint/tcp/tcp_retransmit_skb")
int tcpretrans_rtx_tp(struct trace_event_raw_tcp_retransmit_skb *ctx)
{
	int err = 0;
	if (bpf_core_field_exists(ctx->err))
		err = BPF_CORE_READ(ctx, err);
	return on_retransmit((struct sock *)ctx->skaddr, (struct sk_buff *)ctx->skbaddr, err);
}

SEC("tp_btf/tcp_retransmit_skb")
int BPF_PROG(tcpretrans_rtx_btf, struct sock *sk, struct sk_buff *skb, int err)
{
	return on_retransmit(sk, skb, err);
}

SEC("raw_tp/timer_expire_entry")
int tcpretrans_tin_raw(struct bpf_raw_tracepoint_args *ctx)
{
	struct timer_list *t = (struct timer_list *)ctx->args[0];
	return on_timer_entry(t, BPF_CORE_READ(t, function));
}

SEC("tracepoint/timer/timer_expire_entry")
int tcpretrans_tin_tp(struct trace_event_raw_timer_expire_entry *ctx)
{
	return on_timer_entry((struct timer_list *)ctx->timer, ctx->function);
}

SEC("tp_btf/timer_expire_entry")
int BPF_PROG(tcpretrans_tin_btf, struct timer_list *t)
{
	return on_timer_entry(t, BPF_CORE_READ(t, function));
}

SEC("raw_tp/timer_expire_exit")
int tcpretrans_tout_raw(struct bpf_raw_tracepoint_args *ctx)
{
	return on_timer_exit();
}

SEC("tracepoint/timer/timer_expire_exit")
int tcpretrans_tout_tp(void *ctx)
{
	return on_timer_exit();
}

SEC("tp_btf/timer_expire_exit")
int BPF_PROG(tcpretrans_tout_btf)
{
	return on_timer_exit();
}

/* tcpretrans_state_{raw,tp,btf}, tcpretrans_accept4/_accept, tcpretrans_send/_recv */
NETDX_TCPEV_OWNER_PROGRAMS(tcpretrans)

char LICENSE[] SEC("license") = "Dual BSD/GPL";
