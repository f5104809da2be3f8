/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The contract between iproute.bpf.c and iproute/lib.ts: route and neighbour failures counted per
 * (kind, detail, destination, device, namespace, process), read and deleted by user space each
 * interval; or, with --events, one record per failure, which starts with the same fields. The
 * build generates iproute.h.ts. */
#ifndef NETDX_IPROUTE_H
#define NETDX_IPROUTE_H

/* kind */
#define IPROUTE_NO_ROUTE 1      /* a route lookup failed (fib:fib_table_lookup, fib6:fib6_table_lookup) */
#define IPROUTE_DROP 2          /* a packet dropped for a route or neighbour reason (skb:kfree_skb) */
#define IPROUTE_NEIGH_FAILED 3  /* a neighbour went FAILED: no answer to ARP/NDP (neigh:neigh_timer_handler) */
#define IPROUTE_NEIGH_DEAD 4    /* a packet sent to a dead neighbour entry (neigh:neigh_event_send_dead) */
#define IPROUTE_NEIGH_NOMEM 5   /* a neighbour entry could not be made: table full (neigh:neigh_create) */

#define IPROUTE_KEY_FIELDS                                                                  \
	__u8 daddr[16];     /*  0: the destination (a lookup's, a packet's) or the neighbour */  \
	__u32 netns;        /* 16: network namespace inode */                                 \
	__u32 ifindex;      /* 20: the device (0: none, as for most route lookups) */         \
	__s32 code;         /* 24: NO_ROUTE: the lookup's error (-EAGAIN: nothing matched);    \
	                     *     DROP: the reason (enum skb_drop_reason); else 0 */          \
	__u32 tgid;         /* 28: NO_ROUTE: the process that looked up (0: other kinds) */   \
	__u32 table;        /* 32: NO_ROUTE: the routing table's id */                        \
	__u16 family;       /* 36: AF_INET, AF_INET6 */                                        \
	__u8 kind;          /* 38: IPROUTE_* */                                                \
	__u8 _kpad;         /* 39 */                                                           \
	char dev[16];       /* 40: the device's name; 56 bytes */

struct iproute_key {
	IPROUTE_KEY_FIELDS
};

struct iproute_val {
	__u64 count;        /* 0 */
	char comm[16];      /* 8: NO_ROUTE: the process's */
};

struct iproute_event {
	IPROUTE_KEY_FIELDS  /*  0..56 */
	__u64 ts_ns;        /* 56: bpf_ktime_get_ns() */
	__u64 location;     /* 64: DROP: the kernel address that dropped it */
	char comm[16];      /* 72; sizeof == 88 */
};

#endif
