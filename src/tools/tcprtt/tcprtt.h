/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The contract between tcprtt.bpf.c and tcprtt/lib.ts: one histogram of the smoothed RTT per key
 * (all zero for the total; the remote address with --byraddr; the local port with --bylport),
 * read and deleted by user space each interval. The build generates tcprtt.h.ts. */
#ifndef NETDX_TCPRTT_H
#define NETDX_TCPRTT_H

struct tcprtt_key {
	__u8 raddr[16];     /* remote address (IPv4 in the first 4 bytes) with --byraddr */
	__u16 lport;        /* local port with --bylport */
	__u16 family;       /* AF_INET or AF_INET6 with --byraddr; else 0 */
	__u32 _pad;
};

struct tcprtt_val {
	__u64 count;        /*  0: segments seen */
	__u64 sum;          /*  8: their srtt summed (µs, or ms with -m) */
	__u32 slots[27];    /* 16: log2 histogram of srtt (struct netdx_hist) */
	__u32 _pad;         /* sizeof == 128 */
};

#endif
