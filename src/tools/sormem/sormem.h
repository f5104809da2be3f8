/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The contract between sormem.bpf.c and sormem/lib.ts: one aggregate per socket (keyed by its
 * kernel address), read and deleted by user space each interval; the socket's owner is the owner
 * cache's (netdx_owner.h), read at the same time. The build generates sormem.h.ts. */
#ifndef NETDX_SORMEM_H
#define NETDX_SORMEM_H

#define SORMEM_FILL_SLOTS 12 /* fill % in steps of 10: 0-9 ... 90-99, 100-109, 110 and above */

struct sormem_val {
	__u8 laddr[16];     /*   0: IPv4 in the first 4 bytes */
	__u8 raddr[16];     /*  16 */
	__u32 slots[12];    /*  32: sk_rmem_alloc * 100 / sk_rcvbuf at each read, after it */
	__u64 reads;        /*  80: receive calls that returned data */
	__u64 bytes;        /*  88: what they returned */
	__u64 drops;        /*  96: packets dropped, receive buffer full (kfree_skb SOCKET_RCVBUFF) */
	__u64 udp_fails;    /* 104: udp:udp_fail_queue_rcv_skb (rcvbuf full, or udp_mem) */
	__u64 ino;          /* 112: socket inode: user space finds an owner the cache lacks in /proc */
	__u32 netns;        /* 120 */
	__u32 rcvbuf;       /* 124: sk_rcvbuf, last seen */
	__u32 max_rmem;     /* 128: most sk_rmem_alloc seen at a read or a drop */
	__u16 lport;        /* 132 */
	__u16 rport;        /* 134 */
	__u16 family;       /* 136 */
	__u8 proto;         /* 138: IPPROTO_TCP, IPPROTO_UDP */
	__u8 _pad;          /* 139 */
	__u16 max_pct;      /* 140: the fullest it was seen, sk_rmem_alloc * 100 / sk_rcvbuf of then */
	__u16 _pad2;        /* 142; sizeof == 144 */
};

#endif
