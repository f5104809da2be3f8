// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* tcplife: one record per closed TCP session, on the sock:inet_sock_set_state tracepoint only.
 *
 * Three entry programs share one body (netdx_tcpstate.h); user space loads exactly one of them.
 * PID/COMM come from the socket-owner cache (netdx_owner.h), filled at process-context events
 * (connect -> SYN_SENT, accept() returning the socket, close/shutdown -> FIN_WAIT1 or LAST_ACK),
 * because CLOSE often runs in softirq where "current" is whatever task was interrupted (bcc #2304).
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
#include "netdx_filter.h"
#include "netdx_owner.h"
#include "netdx_tcpstate.h"
#include "tcplife.h"

#define F_ESTABLISHED 1
#define F_FIN_QUEUED 2

struct sockinfo {
	__u64 birth_ns;
	__u64 acked0;
	__u64 rcvd0;
	__u32 flags;
	__u32 _pad;
};

/* Sessions being followed. A plain hash, not an LRU: a session is never dropped once followed;
 * when it is full, a new one is counted as untracked instead (lib.ts maxSessions sizes it). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, __u64);
	__type(value, struct sockinfo);
} socks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 16 << 20); /* ~160,000 events: a 10 ms poll gap never fills it */
} events SEC(".maps");

NETDX_LOST_MAP(lost);
NETDX_EXPORT(tcplife_event);

/* The filters that can be decided when a socket is first seen. Sockets the user did not ask
 * for then cost one failed lookup per state change instead of the map work and reads of a
 * tracked session. The check at CLOSE stays the authoritative one. */
static __always_inline bool excluded(struct sock *sk, int newstate)
{
	if (!netdx_netns_ok(sk) || !netdx_family_ok(BPF_CORE_READ(sk, __sk_common.skc_family)))
		return true;
	/* connect() sets the peer port before SYN_SENT; a passive child has it from the SYN */
	if (!netdx_rport_ok(netdx_sk_rport(sk)))
		return true;
	if (filter_n_lports) {
		/* 0 at SYN_SENT when connect() has not picked the local port yet: decided later */
		__u16 sport = netdx_sk_lport(sk);
		if (sport && !netdx_lport_ok(sport))
			return true;
	}
	/* SYN_SENT runs in the connecting process */
	if (newstate == NETDX_TCP_SYN_SENT && !netdx_task_ok())
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
			if (bpf_map_update_elem(&socks, &key, &fresh, BPF_NOEXIST) &&
			    newstate != NETDX_TCP_ESTABLISHED)
				/* counted once, at the socket's first state (a handshake that began before
				 * tracing, seen first at ESTABLISHED, is not counted) */
				netdx_count(&lost, NETDX_LOST_UNTRACKED);
			si = bpf_map_lookup_elem(&socks, &key);
			if (!si)
				return 0;
			/* a socket followed from now on: whatever the owner cache holds for its address
			 * belongs to a freed socket, unless this is connect() in its process */
			netdx_owner_born(sk, newstate == NETDX_TCP_SYN_SENT);
		}
	}
	if (!si)
		return 0; /* born before tracing started, or never followed: its byte counts would be partial */
	/* followed sockets only: the others cost no more than the failed lookup above */
	netdx_owner_on_state(sk, oldstate, newstate);

	switch (newstate) {
	case NETDX_TCP_ESTABLISHED:
		/* an active open's local port is known from here on */
		if (filter_n_lports && excluded(sk, newstate)) {
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
		/* close() or shutdown(): our FIN is now queued (the owner cache took the owner) */
		si->flags |= F_FIN_QUEUED;
		return 0;
	case NETDX_TCP_CLOSE:
		break;
	default:
		return 0;
	}

	__u16 family = BPF_CORE_READ(sk, __sk_common.skc_family);
	__u16 sport = netdx_sk_lport(sk);
	__u16 dport = netdx_sk_rport(sk);
	struct netdx_owner *owner = netdx_owner_get(sk);
	__u32 tgid = owner ? owner->tgid : 0;
	if (!netdx_family_ok(family) || !netdx_lport_ok(sport) || !netdx_rport_ok(dport) ||
	    (netdx_proc_filtered() && !(owner && netdx_proc_ok(tgid, owner->comm))))
		goto out;

	struct tcplife_event *e = netdx_reserve(&events, &lost, struct tcplife_event);
	if (!e)
		goto out;
	__u64 now = bpf_ktime_get_ns();
	e->ts_ns = now;
	e->span_ns = now - si->birth_ns;
	e->pid = tgid;
	if (owner)
		__builtin_memcpy(e->comm, owner->comm, sizeof(e->comm));
	else
		__builtin_memset(e->comm, 0, sizeof(e->comm));
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
	netdx_sk_addrs(sk, family, e->saddr, e->daddr);
	/* No wakeup: user space drains the ring on a timer and never waits on its epoll fd, so the
	 * irq_work a wakeup costs would be spent for nothing. */
	bpf_ringbuf_submit(e, BPF_RB_NO_WAKEUP);
out:
	bpf_map_delete_elem(&socks, &key);
	return 0;
}

/* tcplife_raw, tcplife_tp and tcplife_btf (netdx_tcpstate.h): one is loaded. */
NETDX_TCP_STATE_PROGRAMS(tcplife, handle)

/* accept() hands a passive socket to its process: tcplife_accept4, tcplife_accept. */
NETDX_OWNER_ACCEPT_PROGRAMS(tcplife)

char LICENSE[] SEC("license") = "Dual BSD/GPL";
