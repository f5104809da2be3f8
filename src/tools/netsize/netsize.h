/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The contract between netsize.bpf.c and netsize/lib.ts: packet sizes per device and direction,
 * read and deleted by user space each interval. The build generates netsize.h.ts. */
#ifndef NETDX_NETSIZE_H
#define NETDX_NETSIZE_H

struct netsize_key {
	__u32 netns;        /*  0: the device's network namespace inode */
	__u32 ifindex;      /*  4 */
	__u32 dir;          /*  8: 0 receive, 1 transmit */
};

struct netsize_val {
	char dev[16];       /*   0: the device's name */
	__u64 packets;      /*  16: packets as the stack handed them over (a GSO/GRO packet once) */
	__u64 bytes;        /*  24: their lengths summed */
	__u64 segs;         /*  32: the segments they stand for (gso_segs; 1 for a plain packet) */
	__u32 slots[27];    /*  40: log2 histogram of the length in bytes (struct netdx_hist) */
	__u32 _pad;         /* 148; sizeof == 152 */
};

#endif
