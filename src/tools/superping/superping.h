/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The contract between superping.bpf.c and superping/lib.ts: one event per echo reply matched to
 * its request, or (hist_mode) per-destination RTT statistics read and deleted each interval. The
 * build generates superping.h.ts. */
#ifndef NETDX_SUPERPING_H
#define NETDX_SUPERPING_H

/* An echo request in flight: where it went, in which namespace, its id and sequence number. */
struct superping_key {
	__u8 addr[16];      /*  0: the destination pinged (the reply's source); IPv4 in 4 bytes */
	__u32 netns;        /* 16: the sending device's network namespace inode */
	__u16 family;       /* 20: AF_INET, AF_INET6 */
	__u16 id;           /* 22: echo identifier */
	__u16 seq;          /* 24: echo sequence number */
	__u16 _pad;         /* 26; sizeof == 28 */
};

struct superping_event {
	__u64 ts_ns;        /*  0: the reply's arrival, bpf_ktime_get_ns() */
	__u64 rtt_ns;       /*  8: request handed to the device -> reply delivered by a device */
	__u8 addr[16];      /* 16: the destination pinged */
	__u8 laddr[16];     /* 32: the address the reply came to */
	char dev[16];       /* 48: the device the reply came in on */
	__u32 netns;        /* 64 */
	__u32 ifindex;      /* 68 */
	__u16 family;       /* 72 */
	__u16 id;           /* 74 */
	__u16 seq;          /* 76 */
	__u8 ttl;           /* 78: the reply's TTL (IPv6: hop limit) */
	__u8 _pad;          /* 79; sizeof == 80 */
};

/* hist_mode: the statistics of one destination. */
struct superping_dest {
	__u8 addr[16];      /*  0 */
	__u32 netns;        /* 16 */
	__u16 family;       /* 20 */
	__u16 _pad;         /* 22; sizeof == 24 */
};

struct superping_stats {
	__u64 count;        /*   0: replies matched */
	__u64 total_ns;     /*   8: the sum of their RTTs */
	__u64 min_ns;       /*  16 */
	__u64 max_ns;       /*  24 */
	__u32 slots[27];    /*  32: log2 of each RTT in µs (struct netdx_hist) */
	__u32 _pad;         /* 140; sizeof == 144 */
};

#endif
