/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The contract between skblife.bpf.c and skblife/lib.ts: socket buffer lifetimes, from the
 * allocation to the free, per kind, as log2 histograms read and deleted by user space each
 * interval. The build generates skblife.h.ts. */
#ifndef NETDX_SKBLIFE_H
#define NETDX_SKBLIFE_H

struct skblife_key {
	__u32 alloc;        /*  0: how it was made: 0 __alloc_skb, 1 build_skb, 2 napi_build_skb */
	__u32 fclone;       /*  4: 1 for a fast-clone skb (TCP's send path), 0 otherwise */
	__u32 end;          /*  8: how it ended: 0 freed (kfree_skbmem), 1 recycled (napi_skb_cache_put) */
	__u32 _pad;         /* 12; sizeof == 16 */
};

struct skblife_val {
	__u64 count;        /*  0: skbs that ended in the interval */
	__u64 total_ns;     /*  8: their summed lifetimes, ns */
	__u32 slots[27];    /* 16: log2 histogram of each lifetime in µs (struct netdx_hist) */
	__u32 _pad;         /* 124; sizeof == 128 */
};

/* Kept per live skb, from its allocation */
struct skblife_birth {
	__u64 ts_ns;        /* 0 */
	__u32 alloc;        /* 8 */
	__u32 _pad;         /* 12; sizeof == 16 */
};

#endif
