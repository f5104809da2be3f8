/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The contract between qdisclat.bpf.c and qdisclat/lib.ts: the time packets wait in each qdisc,
 * read and deleted by user space each interval. The build generates qdisclat.h.ts. */
#ifndef NETDX_QDISCLAT_H
#define NETDX_QDISCLAT_H

struct qdisclat_key {
	__u32 netns;        /*  0: the device's network namespace inode */
	__u32 ifindex;      /*  4 */
	__u32 handle;       /*  8: the qdisc's handle (major << 16 | minor) */
	__u32 parent;       /* 12: its parent's (0xffffffff: root) */
};

struct qdisclat_val {
	char dev[16];       /*   0: the device's name */
	char kind[16];      /*  16: the qdisc's kind (ops->id: tbf, fq_codel, ...) */
	__u64 count;        /*  32: packets dequeued whose enqueue was seen: timed */
	__u64 total_ns;     /*  40: their summed wait, ns */
	__u64 max_ns;       /*  48: the longest */
	__u64 untimed;      /*  56: packets dequeued whose enqueue was not seen (before tracing) */
	__u32 slots[27];    /*  64: log2 histogram of the wait, µs (ms with -m) */
	__u32 _pad;         /* 172; sizeof == 176 */
};

#endif
