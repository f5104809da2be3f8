/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The contract between tcptop.bpf.c and tcptop/lib.ts: bytes sent and received per (process,
 * TCP connection end), read and deleted by user space each interval. The build generates
 * tcptop.h.ts. */
#ifndef NETDX_TCPTOP_H
#define NETDX_TCPTOP_H

struct tcptop_key {
	__u8 laddr[16];     /*  0: IPv4 in the first 4 bytes */
	__u8 raddr[16];     /* 16 */
	__u32 pid;          /* 32: the calling process (tgid) */
	__u16 lport;        /* 36 */
	__u16 rport;        /* 38 */
	__u16 family;       /* 40: AF_INET or AF_INET6 */
	__u16 _pad;         /* 42; sizeof == 44 */
};

struct tcptop_val {
	__u64 tx_bytes;     /* 0: sent (send, write, sendmsg, ...) */
	__u64 rx_bytes;     /* 8: received */
	char comm[16];      /* 16: the process's name at its first call of the interval; sizeof == 32 */
};

#endif
