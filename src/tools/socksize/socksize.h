/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The contract between socksize.bpf.c and socksize/lib.ts: a log2 histogram of I/O sizes per
 * (process, direction), read and deleted by user space each interval. The build generates
 * socksize.h.ts. */
#ifndef NETDX_SOCKSIZE_H
#define NETDX_SOCKSIZE_H

struct socksize_key {
	__u32 pid;          /*  0: the calling process (tgid) */
	__u32 recv;         /*  4: 0 send, 1 receive; sizeof == 8 */
};

struct socksize_val {
	__u64 calls;        /*  0: calls that moved data (or read an end of stream) */
	__u64 bytes;        /*  8: their bytes (exact) */
	__u32 slots[27];    /* 16: log2 histogram of each call's bytes (struct netdx_hist) */
	__u32 _pad;         /* 124 */
	char comm[16];      /* 128: the process's name at its first call of the interval; sizeof == 144 */
};

#endif
