/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Shared by the TCP event tools (tcpretrans, tcpreset, tcpdrop, tcpaccept): the socket block each
 * of their events starts with, the filters on a socket whose owner comes from the owner cache,
 * and the programs that fill that cache.
 *
 * A tool's header starts its event with NETDX_TCPEV_SOCK_FIELDS (the build reads the layout from
 * that header alone, so this part needs no kernel types); its BPF program casts the event to
 * struct netdx_tcpev_sock to fill the block. */
#ifndef NETDX_TCPEV_H
#define NETDX_TCPEV_H

/* 72 bytes, 8-aligned: what, where and whose (core/kit/tcpev.ts decodes it). */
#define NETDX_TCPEV_SOCK_FIELDS                                                            \
	__u8 saddr[16];     /*  0: local address, IPv4 in the first 4 bytes */             \
	__u8 daddr[16];     /* 16: remote address */                                       \
	__u64 ts_ns;        /* 32: bpf_ktime_get_ns() at the event */                      \
	__u32 pid;          /* 40: owner (tgid) from the owner cache; 0 unknown */         \
	__u32 netns;        /* 44: network namespace inode */                              \
	__u16 sport;        /* 48: local port, host order */                               \
	__u16 dport;        /* 50: remote port */                                          \
	__u16 family;       /* 52: AF_INET, AF_INET6 */                                    \
	__u8 state;         /* 54: TCP state (include/net/tcp_states.h); 0 no socket */    \
	__u8 _sock_pad;     /* 55 */                                                       \
	char comm[16];      /* 56: owner's */

#ifdef __VMLINUX_H__
#include "netdx.h"
#include "netdx_filter.h"
#include "netdx_owner.h"
#include "netdx_tcpstate.h"

struct netdx_tcpev_sock {
	NETDX_TCPEV_SOCK_FIELDS
};

/* sk passes the shared filters (namespace, family, ports; -p on its owner, since these hooks run
 * in softirq as often as not): *o is its owner, NULL when unknown. */
static __always_inline bool netdx_tcpev_ok(struct sock *sk, struct netdx_owner **o)
{
	if (!netdx_sk_ok(sk))
		return false;
	*o = netdx_owner_get(sk);
	return !netdx_proc_filtered() || (*o && netdx_proc_ok((*o)->tgid, (*o)->comm));
}

/* The socket block of an event from sk and its owner o (NULL: unknown). */
static __always_inline void netdx_tcpev_fill(struct netdx_tcpev_sock *e, struct sock *sk, struct netdx_owner *o)
{
	struct netdx_owner unknown = {};
	__u16 family = BPF_CORE_READ(sk, __sk_common.skc_family);
	o = o ?: &unknown;
	e->ts_ns = bpf_ktime_get_ns();
	e->pid = o->tgid;
	__builtin_memcpy(e->comm, o->comm, sizeof(e->comm));
	e->netns = netdx_sk_netns(sk);
	e->sport = netdx_sk_lport(sk);
	e->dport = netdx_sk_rport(sk);
	e->family = family;
	e->state = BPF_CORE_READ(sk, __sk_common.skc_state);
	e->_sock_pad = 0;
	netdx_sk_addrs(sk, family, e->saddr, e->daddr);
}

/* The socket block from a TCP packet with no full socket (to a closed port, or to a TIME_WAIT or
 * request socket): its destination is the local end; the namespace is its device's (0 without
 * one), the owner unknown, the state 0. False when skb is not TCP over IPv4 or IPv6 (extension
 * headers are not followed). */
static __always_inline bool netdx_tcpev_from_packet(struct netdx_tcpev_sock *e, struct sk_buff *skb)
{
	unsigned char *head = BPF_CORE_READ(skb, head);
	unsigned char *ip = head + BPF_CORE_READ(skb, network_header);
	struct net_device *dev = BPF_CORE_READ(skb, dev);
	__u8 ver = 0, proto = 0;
	__u16 ports[2] = {};
	__u32 l4 = 40;

	bpf_probe_read_kernel(&ver, 1, ip);
	__builtin_memset(e->saddr, 0, 16);
	__builtin_memset(e->daddr, 0, 16);
	if (ver >> 4 == 4) {
		e->family = AF_INET;
		l4 = (ver & 0xf) * 4;
		bpf_probe_read_kernel(&proto, 1, ip + 9);
		bpf_probe_read_kernel(e->saddr, 4, ip + 16);
		bpf_probe_read_kernel(e->daddr, 4, ip + 12);
	} else if (ver >> 4 == 6) {
		e->family = AF_INET6;
		bpf_probe_read_kernel(&proto, 1, ip + 6);
		bpf_probe_read_kernel(e->saddr, 16, ip + 24);
		bpf_probe_read_kernel(e->daddr, 16, ip + 8);
	}
	if (proto != IPPROTO_TCP)
		return false;
	bpf_probe_read_kernel(ports, sizeof(ports), ip + (l4 & 0x3f));
	e->sport = bpf_ntohs(ports[1]);
	e->dport = bpf_ntohs(ports[0]);
	e->netns = dev ? BPF_CORE_READ(dev, nd_net.net, ns.inum) : 0;
	e->ts_ns = bpf_ktime_get_ns();
	e->pid = 0;
	__builtin_memset(e->comm, 0, sizeof(e->comm));
	e->state = 0;
	e->_sock_pad = 0;
	return true;
}

/* The shared filters on a packet's socket block (no owner: -p excludes it). */
static __always_inline bool netdx_tcpev_packet_ok(struct netdx_tcpev_sock *e)
{
	return !netdx_proc_filtered() && (!filter_netns || e->netns == filter_netns) && netdx_family_ok(e->family) &&
	       netdx_lport_ok(e->sport) && netdx_rport_ok(e->dport);
}

#define NETDX_TCP_NEW_SYN_RECV 12

/* The socket block from sk when it is a full TCP socket (its owner from the cache), else from the
 * TCP packet skb (a TIME_WAIT or request socket keeps its ports elsewhere: the packet's are used,
 * with that socket's state). *full says which. False when filtered out or neither is TCP. */
static __always_inline bool netdx_tcpev_from(struct netdx_tcpev_sock *e, struct sock *sk, struct sk_buff *skb, __u8 *full)
{
	__u8 state = 0;
	struct netdx_owner *o;

	if (sk && BPF_CORE_READ_BITFIELD_PROBED(sk, sk_protocol) != IPPROTO_TCP)
		sk = NULL;
	if (sk)
		state = BPF_CORE_READ(sk, __sk_common.skc_state);
	*full = sk && state != NETDX_TCP_TIME_WAIT && state != NETDX_TCP_NEW_SYN_RECV;
	if (*full) {
		if (!netdx_tcpev_ok(sk, &o))
			return false;
		netdx_tcpev_fill(e, sk, o);
		return true;
	}
	if (!skb || !netdx_tcpev_from_packet(e, skb) || !netdx_tcpev_packet_ok(e))
		return false;
	e->state = state;
	return true;
}

/* Sends an event built on the stack (size bytes) through ring, counted in lost when it finds no
 * room. */
static __always_inline void netdx_tcpev_output(void *ring, void *lost, void *ev, __u64 size)
{
	if (bpf_ringbuf_output(ring, ev, size, BPF_RB_NO_WAKEUP))
		netdx_count_lost(lost, ring, size);
}

static __always_inline int netdx_tcpev_on_state(struct sock *sk, int oldstate, int newstate)
{
	netdx_owner_on_state(sk, oldstate, newstate);
	return 0;
}

/* The programs that keep the owner cache for a TCP event tool: PREFIX_state_raw/_tp/_btf on
 * inet_sock_set_state (one loaded), PREFIX_accept4/_accept, and PREFIX_send/_recv (Linux 6.3+,
 * optional) for sockets older than the trace. core/kit/tcpev.ts lists them. */
#define NETDX_TCPEV_OWNER_PROGRAMS(PREFIX)                              \
	NETDX_TCP_STATE_PROGRAMS(PREFIX##_state, netdx_tcpev_on_state)  \
	NETDX_OWNER_ACCEPT_PROGRAMS(PREFIX)                             \
	NETDX_OWNER_IO_PROGRAMS(PREFIX)

#endif /* __VMLINUX_H__ */
#endif
