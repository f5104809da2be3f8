// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* tcplife: one record per closed TCP session, on the sock:inet_sock_set_state tracepoint only.
 *
 * Three entry programs share one body; user space loads exactly one of them: raw_tp (cheapest
 * per event and quick to load), tp_btf (typed pointer; needs the kernel's BTF at load), or the
 * classic tracepoint (kernels before 4.17).
 * PID/COMM are remembered at process-context events (connect -> SYN_SENT, close/shutdown ->
 * FIN_WAIT1 or LAST_ACK, accept() returning the socket), because CLOSE often runs in softirq
 * where "current" is whatever task was interrupted (bcc #2304).
 *
 * Bytes are exact application payload: the kernel's bytes_acked counts our SYN (active open)
 * and our FIN once acked, bytes_received counts the peer's FIN. We take baselines at
 * ESTABLISHED (which absorbs the SYN on either side) and subtract the FINs at CLOSE.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_endian.h>
#include "netdx.h"
#include "tcplife.h"

#define IPPROTO_TCP 6
#define TCPLIFE_RING_SIZE (16 << 20)

/* Read-only config, set by user space before load. Zero means "no filter". */
const volatile __u32 target_tgid = 0;
const volatile __u16 target_family = 0;
const volatile __u32 n_lports = 0;
const volatile __u16 lports[TCPLIFE_MAX_PORTS] = {};
const volatile __u32 n_dports = 0;
const volatile __u16 dports[TCPLIFE_MAX_PORTS] = {};

#define F_ESTABLISHED 1
#define F_FIN_QUEUED 2
#define F_IDENT 4

struct sockinfo {
	__u64 birth_ns;
	__u64 acked0;
	__u64 rcvd0;
	__u32 pid;
	__u32 flags;
	char comm[TASK_COMM_LEN];
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, __u64);
	__type(value, struct sockinfo);
} socks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, TCPLIFE_RING_SIZE); /* ~160,000 events: a 10 ms poll gap never fills it */
} events SEC(".maps");

NETDX_LOST_MAP(lost);

/* Keeps struct tcplife_event in the object's BTF, where tests check the decoder against it. */
struct tcplife_event *_tcplife_event_btf __attribute__((unused));

static __always_inline void remember_ident(struct sockinfo *si)
{
	if (si->flags & F_IDENT)
		return;
	si->pid = bpf_get_current_pid_tgid() >> 32;
	bpf_get_current_comm(si->comm, sizeof(si->comm));
	si->flags |= F_IDENT;
}

static __always_inline bool port_in(__u16 port, const volatile __u16 *list, __u32 n)
{
	for (int i = 0; i < TCPLIFE_MAX_PORTS; i++) {
		if (i >= n)
			break;
		if (list[i] == port)
			return true;
	}
	return false;
}

/* The filters that can be decided when a socket is first seen. Sockets the user did not ask
 * for then cost one failed lookup per state change instead of the map work and reads of a
 * tracked session. The check at CLOSE stays the authoritative one. */
static __always_inline bool excluded(struct sock *sk, int newstate)
{
	if (target_family && BPF_CORE_READ(sk, __sk_common.skc_family) != target_family)
		return true;
	/* connect() sets the peer port before SYN_SENT; a passive child has it from the SYN */
	if (n_dports && !port_in(bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport)), dports, n_dports))
		return true;
	if (n_lports) {
		/* 0 at SYN_SENT when connect() has not picked the local port yet: decided later */
		__u16 sport = bpf_ntohs(BPF_CORE_READ((struct inet_sock *)sk, inet_sport));
		if (sport && !port_in(sport, lports, n_lports))
			return true;
	}
	/* SYN_SENT runs in the connecting process */
	if (target_tgid && newstate == NETDX_TCP_SYN_SENT && (bpf_get_current_pid_tgid() >> 32) != target_tgid)
		return true;
	return false;
}

static __always_inline int handle(struct sock *sk, int oldstate, int newstate)
{
	__u64 key = (__u64)sk;
	struct sockinfo *si = bpf_map_lookup_elem(&socks, &key);
	struct tcp_sock *tp = (struct tcp_sock *)sk;

	if (newstate == NETDX_TCP_SYN_SENT || newstate == NETDX_TCP_SYN_RECV ||
	    (newstate == NETDX_TCP_ESTABLISHED && !si)) {
		if (!si) {
			if (excluded(sk, newstate))
				return 0;
			struct sockinfo fresh = { .birth_ns = bpf_ktime_get_ns() };
			bpf_map_update_elem(&socks, &key, &fresh, BPF_NOEXIST);
			si = bpf_map_lookup_elem(&socks, &key);
			if (!si)
				return 0;
		}
		/* connect() moves the socket to SYN_SENT in process context. */
		if (newstate == NETDX_TCP_SYN_SENT)
			remember_ident(si);
	}
	if (!si)
		return 0; /* born before tracing started: its byte counts would be partial */

	switch (newstate) {
	case NETDX_TCP_ESTABLISHED:
		/* an active open's local port is known from here on */
		if (n_lports && excluded(sk, newstate)) {
			bpf_map_delete_elem(&socks, &key);
			return 0;
		}
		if (!(si->flags & F_ESTABLISHED)) {
			si->acked0 = BPF_CORE_READ(tp, bytes_acked);
			si->rcvd0 = BPF_CORE_READ(tp, bytes_received);
			si->flags |= F_ESTABLISHED;
		}
		return 0;
	case NETDX_TCP_FIN_WAIT1:
	case NETDX_TCP_LAST_ACK:
		/* close() or shutdown(): process context, and our FIN is now queued. */
		si->flags |= F_FIN_QUEUED;
		remember_ident(si);
		return 0;
	case NETDX_TCP_CLOSE:
		break;
	default:
		return 0;
	}

	__u16 family = BPF_CORE_READ(sk, __sk_common.skc_family);
	/* inet_num is zeroed by inet_put_port() before the CLOSE tracepoint fires; inet_sport
	 * (network order) survives, as the tracepoint's own sport field shows. */
	__u16 sport = bpf_ntohs(BPF_CORE_READ((struct inet_sock *)sk, inet_sport));
	__u16 dport = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
	bool pass = (!target_family || family == target_family) &&
		    (!n_lports || port_in(sport, lports, n_lports)) &&
		    (!n_dports || port_in(dport, dports, n_dports)) &&
		    (!target_tgid || si->pid == target_tgid);
	if (!pass)
		goto out;

	struct tcplife_event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		netdx_count_lost(&lost, &events, TCPLIFE_RING_SIZE, sizeof(*e));
		goto out;
	}
	__u64 now = bpf_ktime_get_ns();
	e->ts_ns = now;
	e->span_ns = now - si->birth_ns;
	e->pid = si->pid;
	__builtin_memcpy(e->comm, si->comm, sizeof(e->comm));
	e->sport = sport;
	e->dport = dport;
	e->family = family;
	e->_pad = 0;
	e->_pad2 = 0;
	e->tx_bytes = 0;
	e->rx_bytes = 0;
	if (si->flags & F_ESTABLISHED) {
		__u64 acked = BPF_CORE_READ(tp, bytes_acked) - si->acked0;
		__u64 rcvd = BPF_CORE_READ(tp, bytes_received) - si->rcvd0;
		/* Our FIN is acked when it was queued and nothing remains unacknowledged. */
		if ((si->flags & F_FIN_QUEUED) && acked > 0 &&
		    BPF_CORE_READ(tp, snd_una) == BPF_CORE_READ(tp, write_seq))
			acked -= 1;
		/* SOCK_DONE is set by tcp_fin() only: the peer's FIN was received. */
		unsigned long sk_flags = BPF_CORE_READ(sk, __sk_common.skc_flags);
		if (rcvd > 0 && (sk_flags & (1UL << bpf_core_enum_value(enum sock_flags, SOCK_DONE))))
			rcvd -= 1;
		e->tx_bytes = acked;
		e->rx_bytes = rcvd;
	}
	if (family == AF_INET) {
		__builtin_memset(e->saddr, 0, sizeof(e->saddr));
		__builtin_memset(e->daddr, 0, sizeof(e->daddr));
		BPF_CORE_READ_INTO((__u32 *)e->saddr, sk, __sk_common.skc_rcv_saddr);
		BPF_CORE_READ_INTO((__u32 *)e->daddr, sk, __sk_common.skc_daddr);
	} else {
		bpf_core_read(e->saddr, sizeof(e->saddr), &sk->__sk_common.skc_v6_rcv_saddr);
		bpf_core_read(e->daddr, sizeof(e->daddr), &sk->__sk_common.skc_v6_daddr);
	}
	/* No wakeup: user space drains the ring on a timer and never waits on its epoll fd, so the
	 * irq_work a wakeup costs would be spent for nothing. */
	bpf_ringbuf_submit(e, BPF_RB_NO_WAKEUP);
out:
	bpf_map_delete_elem(&socks, &key);
	return 0;
}

/* raw_tp: the BPF program runs straight from the tracepoint with its arguments, without the
 * perf record a classic tracepoint builds first; and unlike tp_btf it attaches without libbpf
 * parsing the kernel's whole BTF (CO-RE reads resolve against the object's minimal BTF). */
SEC("raw_tp/inet_sock_set_state")
int tcplife_raw(struct bpf_raw_tracepoint_args *ctx)
{
	struct sock *sk = (struct sock *)ctx->args[0];
	if (BPF_CORE_READ_BITFIELD_PROBED(sk, sk_protocol) != IPPROTO_TCP)
		return 0;
	return handle(sk, (int)ctx->args[1], (int)ctx->args[2]);
}

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(tcplife_btf, struct sock *sk, int oldstate, int newstate)
{
	if (BPF_CORE_READ_BITFIELD_PROBED(sk, sk_protocol) != IPPROTO_TCP)
		return 0;
	return handle(sk, oldstate, newstate);
}

SEC("tracepoint/sock/inet_sock_set_state")
int tcplife_tp(struct trace_event_raw_inet_sock_set_state *ctx)
{
	if (ctx->protocol != IPPROTO_TCP)
		return 0;
	return handle((struct sock *)ctx->skaddr, ctx->oldstate, ctx->newstate);
}

/* accept() hands a passive socket to its process: remember who owns it. */
static __always_inline int on_accept_exit(long ret)
{
	if (ret < 0)
		return 0;
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct file **fds = BPF_CORE_READ(task, files, fdt, fd);
	struct file *f = NULL;
	if (bpf_probe_read_kernel(&f, sizeof(f), &fds[ret]) || !f)
		return 0;
	struct socket *sock = BPF_CORE_READ(f, private_data);
	if (!sock)
		return 0;
	__u64 key = (__u64)BPF_CORE_READ(sock, sk);
	struct sockinfo *si = bpf_map_lookup_elem(&socks, &key);
	if (si)
		remember_ident(si);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_accept4")
int tcplife_accept4(struct trace_event_raw_sys_exit *ctx)
{
	return on_accept_exit(ctx->ret);
}

SEC("tracepoint/syscalls/sys_exit_accept")
int tcplife_accept(struct trace_event_raw_sys_exit *ctx)
{
	return on_accept_exit(ctx->ret);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
