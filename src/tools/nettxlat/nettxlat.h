/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The contract between nettxlat.bpf.c and nettxlat/lib.ts: the driver's transmit time per device,
 * read and deleted by user space each interval. The build generates nettxlat.h.ts. */
#ifndef NETDX_NETTXLAT_H
#define NETDX_NETTXLAT_H

struct nettxlat_key {
	__u32 netns;        /*  0: the device's network namespace inode */
	__u32 ifindex;      /*  4 */
};

struct nettxlat_val {
	char dev[16];       /*   0: the device's name */
	__u64 count;        /*  16: packets the driver returned from (net_dev_xmit matched) */
	__u64 total_ns;     /*  24: their summed time in the driver, ns */
	__u64 max_ns;       /*  32: the longest */
	__u64 ok;           /*  40: returned NETDEV_TX_OK (0) */
	__u64 busy;         /*  48: returned NETDEV_TX_BUSY (0x10): the qdisc requeues the packet */
	__u64 failed;       /*  56: returned anything else (NET_XMIT_DROP 1, NET_XMIT_CN 2, -errno) */
	__u32 slots[27];    /*  64: log2 histogram of the time, µs (ns with --nanoseconds) */
	__u32 _pad;         /* 172; sizeof == 176 */
};

#endif
