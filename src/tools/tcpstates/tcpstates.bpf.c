// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* tcpstates: one record per TCP state change, with the time spent in the state left, on the
 * sock:inet_sock_set_state tracepoint only. Three entry programs share one body (netdx_tcpstate.h).
 *
 * PID/COMM are the socket's owner from the owner cache (netdx_owner.h), never `current`: after
 * the handshake most changes run in softirq, where `current` is whatever task was interrupted
 * (on loopback, the peer: bcc #2304).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "netdx.h"
#include "netdx_filter.h"
#include "netdx_owner.h"
#include "netdx_tcpstate.h"
#include "tcpstates.h"

/* When each followed socket entered its present state. When it is full, a new socket is counted
 * as untracked; its changes are still reported, with the time unknown (lib.ts maxSockets). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, __u64);
	__type(value, __u64);
} since SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 16 << 20); /* ~160,000 records, ~16,000 connections per 10 ms poll */
} events SEC(".maps");

NETDX_LOST_MAP(lost);
NETDX_EXPORT(tcpstates_event);

static __always_inline int handle(struct sock *sk, int oldstate, int newstate)
{
	__u16 family = BPF_CORE_READ(sk, __sk_common.skc_family);
	if (!netdx_netns_ok(sk) || !netdx_family_ok(family))
		return 0;
	__u16 sport = netdx_sk_lport(sk), dport = netdx_sk_rport(sk);
	__u64 key = (__u64)sk, now = bpf_ktime_get_ns();
	__u64 *since_ns = bpf_map_lookup_elem(&since, &key);
	bool ports_ok = netdx_lport_ok(sport) && netdx_rport_ok(dport);
	/* The local port is still 0 at CLOSE->SYN_SENT (tcp_v4_connect() sets the state before
	 * inet_hash_connect() picks the port) and at LISTEN on an unbound socket: such a socket is
	 * followed until its port is known. */
	if (!ports_ok && !(sport == 0 && netdx_rport_ok(dport))) {
		if (since_ns)
			bpf_map_delete_elem(&since, &key);
		return 0;
	}

	__u64 delta_ns = since_ns ? now - *since_ns : 0;
	bool known = since_ns != NULL;
	if (newstate == NETDX_TCP_CLOSE) {
		if (since_ns)
			bpf_map_delete_elem(&since, &key);
	} else if (since_ns) {
		*since_ns = now;
	} else if (bpf_map_update_elem(&since, &key, &now, BPF_NOEXIST) &&
		   (oldstate == NETDX_TCP_CLOSE || oldstate == NETDX_TCP_LISTEN)) {
		/* counted once, at the socket's birth: connect, listen, or a passive child */
		netdx_count(&lost, NETDX_LOST_UNTRACKED);
	}

	netdx_owner_on_state(sk, oldstate, newstate);
	if (!ports_ok)
		return 0;
	struct netdx_owner none = {};
	struct netdx_owner *owner = netdx_owner_get(sk) ?: &none;
	if (netdx_proc_filtered() && !netdx_proc_ok(owner->tgid, owner->comm))
		return 0;

	struct tcpstates_event *e = netdx_reserve(&events, &lost, struct tcpstates_event);
	if (!e)
		return 0;
	__builtin_memset(e, 0, sizeof(*e));
	e->skaddr = key;
	e->ts_ns = now;
	e->delta_ns = delta_ns;
	e->delta_known = known;
	e->pid = owner->tgid;
	__builtin_memcpy(e->comm, owner->comm, sizeof(e->comm));
	e->netns = netdx_sk_netns(sk);
	e->sport = sport;
	e->dport = dport;
	e->family = family;
	e->oldstate = oldstate;
	e->newstate = newstate;
	netdx_sk_addrs(sk, family, e->saddr, e->daddr);
	/* no wakeup: user space drains the ring on a timer and never waits on it */
	bpf_ringbuf_submit(e, BPF_RB_NO_WAKEUP);
	return 0;
}

/* tcpstates_raw, tcpstates_tp and tcpstates_btf (netdx_tcpstate.h): one is loaded. */
NETDX_TCP_STATE_PROGRAMS(tcpstates, handle)

/* accept() hands a passive socket to its process: tcpstates_accept4, tcpstates_accept. */
NETDX_OWNER_ACCEPT_PROGRAMS(tcpstates)

char LICENSE[] SEC("license") = "Dual BSD/GPL";
