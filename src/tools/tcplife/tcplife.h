/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The contract between tcplife.bpf.c and tcplife/decode.ts: one record per closed session. The
 * build generates tcplife.h.ts from this header; decode.ts reads fields by name through it. */
#ifndef NETDX_TCPLIFE_H
#define NETDX_TCPLIFE_H

struct tcplife_event {
	__u8 saddr[16];     /*  0: IPv4 in the first 4 bytes */
	__u8 daddr[16];     /* 16 */
	__u64 span_ns;      /* 32: first SYN_SENT/SYN_RECV/ESTABLISHED seen .. CLOSE */
	__u64 rx_bytes;     /* 40: application payload received (FIN not counted) */
	__u64 tx_bytes;     /* 48: application payload sent and acked (SYN, FIN not counted) */
	__u64 ts_ns;        /* 56: CLOSE time, bpf_ktime_get_ns() */
	__u32 pid;          /* 64: owning process (tgid), remembered at a process-context event */
	__u16 sport;        /* 68: host order */
	__u16 dport;        /* 70: host order */
	__u16 family;       /* 72: AF_INET or AF_INET6 */
	__u16 _pad;         /* 74 */
	char comm[16];      /* 76 */
	__u32 _pad2;        /* 92; sizeof == 96 */
};

#endif
