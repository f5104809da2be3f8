/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* tcpconnect's event: one active TCP open, sent when its outcome is known. The build generates
 * tcpconnect.h.ts from this header. */
#ifndef NETDX_TCPCONNECT_H
#define NETDX_TCPCONNECT_H

struct tcpconnect_event {
	__u8 saddr[16];     /* IPv4 in the first 4 bytes */
	__u8 daddr[16];
	__u64 ts_ns;        /* outcome time, bpf_ktime_get_ns() */
	__u64 latency_ns;   /* connect() (SYN_SENT) to the outcome */
	__u32 pid;          /* owner (tgid) from the socket-owner cache; 0 unknown */
	__u32 tid;
	__u32 netns;        /* network namespace inode */
	__s32 err;          /* 0 established; else sk_err (ECONNREFUSED, ETIMEDOUT, ...); -1 closed by the application first */
	__u16 sport;
	__u16 dport;
	__u16 family;
	__u16 _pad;
	char comm[16];
};

#endif
