/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The contract between netqtop.bpf.c and netqtop/lib.ts: packets and bytes per device queue and
 * direction, in a per-CPU map read and deleted by user space each interval. The build generates
 * netqtop.h.ts. */
#ifndef NETDX_NETQTOP_H
#define NETDX_NETQTOP_H

#define NETQTOP_RX 0
#define NETQTOP_TX 1
#define NETQTOP_SIZES 5     /* bytes: below 64, 512, 2K, 16K, and above */

struct netqtop_key {
	__u32 netns;        /*  0: the device's namespace inode */
	__u32 ifindex;      /*  4 */
	__u16 queue;        /*  8: skb->queue_mapping as the hook saw it (user space reads it per
	                     *     direction and device kind) */
	__u8 dir;           /* 10: NETQTOP_RX, NETQTOP_TX */
	__u8 _pad;          /* 11; sizeof == 12 */
};

struct netqtop_val {
	__u64 packets;      /*  0 */
	__u64 bytes;        /*  8: frames with their link-layer header, both ways */
	__u64 sizes[5];     /* 16: packets by size, NETQTOP_SIZES slots */
	char dev[16];       /* 56: the device's name, in the slot of the CPU that saw the key first */
	__u8 veth;          /* 72: the device is a veth (its RX queue is the peer's TX queue), idem */
	__u8 _pad[7];       /* 73; sizeof == 80 */
};

#endif
