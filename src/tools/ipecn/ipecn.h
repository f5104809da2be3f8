/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The contract between ipecn.bpf.c and ipecn/lib.ts: received IP packets by ECN codepoint per
 * device, and CE-marked packets per flow, read and deleted by user space each interval. The build
 * generates ipecn.h.ts. */
#ifndef NETDX_IPECN_H
#define NETDX_IPECN_H

struct ipecn_key {
	char dev[16];       /*  0: the receiving device's name */
	__u32 netns;        /* 16: its network namespace inode */
	__u32 ifindex;      /* 20 */
	__u16 family;       /* 24: AF_INET, AF_INET6 */
	__u16 _pad;         /* 26 */
	__u32 _pad2;        /* 28; sizeof == 32 */
};

struct ipecn_val {
	__u64 pkts[4];      /*  0: by codepoint: Not-ECT 0, ECT(1) 1, ECT(0) 2, CE 3; a GRO packet
	                     *     counts its segments, as IpExtIn*Pkts do */
	__u64 skbs;         /* 32: packets as the device delivered them (a GRO packet once) */
};

struct ipecn_flow {
	__u8 saddr[16];     /*  0: IPv4 in the first 4 bytes */
	__u8 daddr[16];     /* 16 */
	__u32 netns;        /* 32 */
	__u16 family;       /* 36 */
	__u8 proto;         /* 38: IP protocol (TCP 6, UDP 17, ...) */
	__u8 _pad;          /* 39; sizeof == 40 */
};

#endif
