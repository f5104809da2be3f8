/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The contract between tcpretrans.bpf.c and lib.ts: one event per retransmitted skb, or (-c)
 * per-flow counts read and deleted each interval. The build generates tcpretrans.h.ts. */
#ifndef NETDX_TCPRETRANS_H
#define NETDX_TCPRETRANS_H

#include "netdx_tcpev.h"

/* Kinds: where the retransmit came from (and the kernel counter that counts it). */
#define TCPRETRANS_FAST 0   /* loss recovery on ACKs or the RACK timer (TcpExtTCPFastRetrans, segments) */
#define TCPRETRANS_RTO 1    /* the retransmission timer (TcpExtTCPTimeouts, first timeouts) */
#define TCPRETRANS_TLP 2    /* a tail loss probe (TcpExtTCPLossProbes) */
#define TCPRETRANS_LOSS 3   /* after an RTO, in the Loss state (TcpExtTCPSlowStartRetrans, segments) */
#define TCPRETRANS_KINDS 4

struct tcpretrans_event {
	NETDX_TCPEV_SOCK_FIELDS /* 0..72 */
	__s32 err;          /* 72: 0 sent; else why it was not (-EBUSY: the original still in a queue) */
	__u16 segs;         /* 76: segments retransmitted (tcp_skb_pcount) */
	__u8 kind;          /* 78: TCPRETRANS_* */
	__u8 _pad;          /* 79; sizeof == 80 */
};

struct tcpretrans_key {
	__u8 saddr[16];     /*  0 */
	__u8 daddr[16];     /* 16 */
	__u32 netns;        /* 32 */
	__u32 pid;          /* 36: owner, 0 unknown */
	__u16 sport;        /* 40 */
	__u16 dport;        /* 42 */
	__u16 family;       /* 44 */
	__u16 _pad;         /* 46; sizeof == 48 */
};

struct tcpretrans_val {
	__u64 events[4];    /*  0: retransmits sent, by kind */
	__u64 segs[4];      /* 32: their segments, by kind */
	__u64 failed;       /* 64: retransmits the kernel could not send (err != 0) */
	char comm[16];      /* 72: owner's */
};

#endif
