/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The contract between tcpstates.bpf.c and lib.ts: one record per TCP state change. The build
 * generates tcpstates.h.ts from this header. */
#ifndef NETDX_TCPSTATES_H
#define NETDX_TCPSTATES_H

struct tcpstates_event {
	__u8 saddr[16];     /*  0: IPv4 in the first 4 bytes */
	__u8 daddr[16];     /* 16 */
	__u64 skaddr;       /* 32: the socket's kernel address: names one socket across its events */
	__u64 ts_ns;        /* 40: bpf_ktime_get_ns() at the change */
	__u64 delta_ns;     /* 48: time spent in oldstate, when delta_known */
	__u32 pid;          /* 56: owner (tgid) from the owner cache, 0 when unknown */
	__u32 netns;        /* 60: network namespace inode */
	__u16 sport;        /* 64: host order */
	__u16 dport;        /* 66: host order */
	__u16 family;       /* 68: AF_INET or AF_INET6 */
	__u8 oldstate;      /* 70: include/net/tcp_states.h */
	__u8 newstate;      /* 71 */
	char comm[16];      /* 72: owner's */
	__u8 delta_known;   /* 88: 0 at the first change seen of a socket (or one not followed) */
	__u8 _pad[7];       /* 89; sizeof == 96 */
};

#endif
