/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The contract between tcpsynbl.bpf.c and tcpsynbl/lib.ts: one aggregate per listener (network
 * namespace, family, port) and listen() limit, read and deleted by user space each interval, and
 * the listeners' owners by port. The build generates tcpsynbl.h.ts. */
#ifndef NETDX_TCPSYNBL_H
#define NETDX_TCPSYNBL_H

struct tcpsynbl_key {
	__u32 netns;        /*  0: network namespace inode */
	__u32 limit;        /*  4: sk_max_ack_backlog: min(listen() backlog, somaxconn) */
	__u16 lport;        /*  8 */
	__u16 family;       /* 10: AF_INET, AF_INET6 */
	__u32 _pad;         /* 12; sizeof == 16 */
};

struct tcpsynbl_val {
	__u32 slots[27];    /*   0: log2 histogram of the accept queue's length when a final ACK
	                     *      came, before the add (overflows: the limit + 1) (struct netdx_hist) */
	__u32 max_synq;     /* 108: most request sockets (SYN queue) seen, at a SYN-ACK */
	__u64 conns;        /* 112: handshakes that entered the accept queue (LISTEN->SYN_RECV) */
	__u64 overflows;    /* 120: final ACKs dropped: the accept queue was full (TCP_LISTEN_OVERFLOW) */
	__u64 synacks;      /* 128: SYN-ACKs sent from a request socket (first and retransmits) */
	__u32 max_queue;    /* 136: longest accept queue seen, after the add */
	__u32 _pad;         /* 140; sizeof == 144 */
};

/* The listener's key without the limit: who owns the port. */
struct tcpsynbl_lkey {
	__u32 netns;
	__u16 lport;
	__u16 family;
};

struct tcpsynbl_owner {
	__u64 ino;          /* the listener's socket inode (user space finds its owner in /proc) */
	__u32 tgid;         /* 0: not seen in its process yet */
	__u32 _pad;
	char comm[16];
};

#endif
