/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The doctor's in-kernel aggregates: keys and values of its maps, shared with user space (the
 * build generates doctor.h.ts from this header). Addresses are 16 bytes, IPv4 in the first 4. */
#ifndef NETDX_DOCTOR_H
#define NETDX_DOCTOR_H

/* skb:kfree_skb: drops by reason, where, and whose packet */
struct drop_key {
	__u64 location;     /* the dropping function (kallsyms) */
	__u32 reason;       /* enum skb_drop_reason (names from the kernel's BTF) */
	__u32 netns;        /* of the socket (rx_sk), else the device, else 0 */
	__u8 daddr[16];     /* the packet's destination (inbound: this host) */
	__u16 sport;        /* with a socket: its local port; else 0 (a peer's ephemeral port would make every flood a thousand keys) */
	__u16 dport;        /* the packet's destination port (TCP/UDP), 0 when not parsed */
	__u16 family;       /* AF_INET/AF_INET6 of the packet, 0 other */
	__u8 ipproto;       /* IPPROTO_TCP, UDP, ICMP, ... */
	__u8 has_sk;        /* rx_sk was given: the ports are the socket's (sport = its local port) */
	__u32 tgid;         /* the socket's owner when rx_sk was given and known, else 0 */
};

/* tcp:tcp_retransmit_skb: retransmitted segments per flow */
struct flow_key {
	__u8 saddr[16];
	__u8 daddr[16];
	__u32 netns;
	__u16 sport;
	__u16 dport;
	__u16 family;
	__u16 _pad;
	__u32 tgid;         /* owner from the socket-owner cache, 0 unknown */
};

/* tcp:tcp_send_reset / tcp_receive_reset: resets per port */
struct reset_key {
	__u8 raddr[16];
	__u32 netns;
	__u32 reason;       /* enum sk_rst_reason for sent resets (Linux 6.10+), else 0 */
	__u16 lport;        /* sent: this host's port; received: 0 */
	__u16 rport;        /* received: the peer's port; sent: 0 (the other end's port is ephemeral:
	                     * keyed by it, a storm would be thousands of keys) */
	__u16 family;
	__u8 received;      /* 1: a reset received; 0: sent */
	__u8 state;         /* the socket's TCP state, 0 without a socket */
	__u32 tgid;
};

/* DNS over UDP (port 53): query (send) to answer (receive) per resolver */
struct dns_key {
	__u8 server[16];
	__u32 netns;
	__u32 tgid;
	__u16 family;
	__u16 _pad;
	__u32 _pad2;
};

struct dns_val {
	__u64 queries;      /* sends */
	__u64 answers;      /* receives after a send */
	__u64 sum_ns;
	__u64 max_ns;
	__u64 slow;         /* answers that took 500 ms or more */
	__u32 slots[27];    /* log2 of the latency in µs */
	__u32 _pad;
	char comm[16];
};

#endif
