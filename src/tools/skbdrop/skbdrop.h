/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The contract between skbdrop.bpf.c and skbdrop/lib.ts: drops aggregated per (reason, location,
 * protocol, namespace, port, socket), read and deleted by user space each interval, which merges
 * the sockets of one owner; or, with --events, one record per drop, which starts with the same
 * fields. The build generates
 * skbdrop.h.ts. */
#ifndef NETDX_SKBDROP_H
#define NETDX_SKBDROP_H

#define SKBDROP_KEY_FIELDS                                                                 \
	__u64 location;     /*  0: the kernel address that dropped it */                   \
	__u64 sk;           /*  8: the socket with an owner (its address; summary only), 0 */ \
	__u32 reason;       /* 16: enum skb_drop_reason (names from the kernel's BTF) */   \
	__u32 netns;        /* 20: the socket's, else the device's, else the route's */     \
	__u16 protocol;     /* 24: ethertype (host order) */                                \
	__u16 lport;        /* 26: the socket's local port, else the packet's dest. port */ \
	__u16 family;       /* 28: AF_INET, AF_INET6 of the packet (or socket), 0 other */  \
	__u8 ipproto;       /* 30: IPPROTO_* of the packet, 0 not IP */                     \
	__u8 has_sk;        /* 31: a socket was known (rx_sk or the skb's own); 32 bytes */

struct skbdrop_key {
	SKBDROP_KEY_FIELDS
};

struct skbdrop_val {
	__u64 count;        /*  0 */
	__u64 ino;          /*  8: the socket's inode (user space checks the owner in /proc) */
	char comm[16];      /* 16: the owner's (owner cache), when the entry was made */
	__u32 tgid;         /* 32: its process; 0 unknown, no socket */
	__u32 _pad;         /* 36; sizeof == 40 */
};

struct skbdrop_event {
	SKBDROP_KEY_FIELDS  /*   0..32 */
	__u8 saddr[16];     /*  32: the packet's source, IPv4 in the first 4 bytes */
	__u8 daddr[16];     /*  48: its destination */
	__u64 ts_ns;        /*  64: bpf_ktime_get_ns() */
	__u64 ino;          /*  72 */
	__u32 ifindex;      /*  80: skb->dev's, 0 none */
	__u16 sport;        /*  84: the packet's ports (TCP, UDP) */
	__u16 dport;        /*  86 */
	char comm[16];      /*  88 */
	char dev[16];       /* 104: skb->dev's name */
	__u32 tgid;         /* 120: the owner's (owner cache); 0 unknown, no socket */
	__u32 _epad;        /* 124; sizeof == 128 */
};

#endif
