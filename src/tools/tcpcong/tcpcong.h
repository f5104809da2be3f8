/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* tcpcong's table entry: one per TCP flow followed, keyed by the socket's address: the time spent
 * in each congestion state so far, the present state and since when. User space reads it each
 * interval (the present state's time up to then added) and deletes it once the flow is closed.
 * The build generates tcpcong.h.ts. */
#ifndef NETDX_TCPCONG_H
#define NETDX_TCPCONG_H

struct tcpcong_flow {
	__u8 saddr[16];     /* IPv4 in the first 4 bytes */
	__u8 daddr[16];
	__u64 since_ns;     /* when the present state began (bpf_ktime_get_ns) */
	__u64 ns[5];        /* time spent in Open, Disorder, CWR, Recovery, Loss before since_ns */
	__u32 enters[5];    /* changes into each state */
	__u32 pid;          /* owner from the socket-owner cache at the last change; 0 unknown */
	__u32 netns;
	__u16 sport;
	__u16 dport;
	__u16 family;
	__u8 state;         /* present state: enum tcp_ca_state */
	__u8 closed;        /* 1: the flow is closed; since_ns is its end */
	char comm[16];      /* the owner's, with pid */
};

#endif
