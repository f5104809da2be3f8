/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The contract between tcpnagle.bpf.c and tcpnagle/lib.ts: per TCP socket, the Nagle holds that
 * ended in the interval (read and deleted by user space each interval). The build generates
 * tcpnagle.h.ts. */
#ifndef NETDX_TCPNAGLE_H
#define NETDX_TCPNAGLE_H

struct tcpnagle_stat {
	__u64 holds;        /*   0: holds that ended */
	__u64 total_ns;     /*   8: their summed length */
	__u64 max_ns;       /*  16: the longest */
	__u32 slots[27];    /*  24: log2 histogram of their lengths in µs (struct netdx_hist) */
	__u32 pid;          /* 132: the writer whose write was held (the last one) */
	char comm[16];      /* 136 */
	__u8 saddr[16];     /* 152: IPv4 in the first 4 bytes */
	__u8 daddr[16];     /* 168 */
	__u16 sport;        /* 184 */
	__u16 dport;
	__u16 family;
	__u16 _pad;         /* sizeof == 192 */
};

#endif
