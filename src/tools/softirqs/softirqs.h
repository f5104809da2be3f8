/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The contract between softirqs.bpf.c and softirqs/lib.ts: one aggregate per (softirq vector,
 * CPU), read and deleted by user space each interval. The build generates softirqs.h.ts. */
#ifndef NETDX_SOFTIRQS_H
#define NETDX_SOFTIRQS_H

struct softirqs_key {
	__u32 vec;          /* 0: vector number (NET_TX 2, NET_RX 3) */
	__u32 cpu;          /* 4 */
};

struct softirqs_val {
	__u64 count;        /*  0: runs that ended in the interval */
	__u64 total_ns;     /*  8: their summed time, ns (exact) */
	__u32 slots[27];    /* 16: log2 histogram of each run's time in µs (struct netdx_hist) */
	__u32 _pad;         /* 124; sizeof == 128 */
};

#endif
