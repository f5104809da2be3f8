/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* A packet's time between two hooks (qdisclat: enqueue to dequeue) kept per skb address in an
 * array, not a hash map: a set-associative table of NETDX_STAMP_SETS sets of 4 ways, each way
 * one u64 holding a 24-bit tag of the address and the time (ns, modulo 2^40, ~18 min).
 *
 * Why: a hash map costs a hash, a bucket lock and an element from a free list at every insert,
 * and a lock again at the delete; a packet dropped in between is never deleted, so the map had to
 * be an LRU (~250 ns an insert, bench/packets). An array's lookup is inlined by the verifier to
 * an address computation; a way is a plain 8-byte load or store, atomic on its own, so no lock.
 *
 * What it gives up, each counted as an untimed packet by the caller: a packet whose set had its
 * four ways taken by younger packets is forgotten (the oldest way is reused, as an LRU would);
 * two CPUs stamping the same free way at once keep one. A packet never taken (dropped between
 * the hooks) stays until its way is reused; its address, reused by a later skb, has the same tag,
 * and that way is the one reused. A false match needs two live skbs with the same set and tag
 * (1 in 2^24 of those sharing a set). */
#ifndef NETDX_STAMP_H
#define NETDX_STAMP_H

#define NETDX_STAMP_SET_BITS 14                 /* 16384 sets x 4 ways: 65536 packets, 512 KiB */
#define NETDX_STAMP_TS_BITS 40
#define NETDX_STAMP_TS_MASK ((1ULL << NETDX_STAMP_TS_BITS) - 1)

struct netdx_stamp_set {
	__u64 way[4];
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1 << NETDX_STAMP_SET_BITS);
	__type(key, __u32);
	__type(value, struct netdx_stamp_set);
} netdx_stamps SEC(".maps");

/* The number an skb's address is stamped under. A BTF pointer (tp_btf, `direct`) allows no
 * arithmetic but the difference of two pointers, a scalar for a privileged program: its distance
 * from the table's map, the same in every program of one load (a tool loads one way of attaching
 * for all its programs). */
#define netdx_stamp_addr(p, direct) ((direct) ? (__u64)(p) - (__u64)&netdx_stamps : (__u64)(p))

/* The set (the hash's top bits) and the tag (the 24 below them; never 0, so 0 is a free way). */
static __always_inline struct netdx_stamp_set *netdx_stamp_at(__u64 addr, __u64 *tag)
{
	__u64 h = addr * 0x9E3779B97F4A7C15ULL;  /* Fibonacci hashing: slab addresses differ in a few bits */
	__u32 set = h >> (64 - NETDX_STAMP_SET_BITS);
	*tag = ((h >> (64 - NETDX_STAMP_SET_BITS - 24)) & 0xffffff) | 1;
	return bpf_map_lookup_elem(&netdx_stamps, &set);
}

/* addr was seen at now: into the way that holds its tag (a stale entry of a freed skb at the same
 * address), else a free way, else the oldest. */
static __always_inline void netdx_stamp_put(__u64 addr, __u64 now)
{
	__u64 tag, t = now & NETDX_STAMP_TS_MASK, oldest = 0;
	struct netdx_stamp_set *s = netdx_stamp_at(addr, &tag);
	__u32 pick = 0;
	if (!s)
		return;
#pragma unroll
	for (int i = 0; i < 4; i++) {
		__u64 w = s->way[i];
		if (!w || w >> NETDX_STAMP_TS_BITS == tag) {
			pick = i;
			break;
		}
		__u64 age = (t - w) & NETDX_STAMP_TS_MASK;
		if (age > oldest) {
			oldest = age;
			pick = i;
		}
	}
	s->way[pick & 3] = tag << NETDX_STAMP_TS_BITS | t;
}

/* addr's time until now into *delta, and its way freed; false when addr was not stamped (or was
 * forgotten). */
static __always_inline bool netdx_stamp_take(__u64 addr, __u64 now, __u64 *delta)
{
	__u64 tag;
	struct netdx_stamp_set *s = netdx_stamp_at(addr, &tag);
	if (!s)
		return false;
#pragma unroll
	for (int i = 0; i < 4; i++) {
		__u64 w = s->way[i];
		if (w >> NETDX_STAMP_TS_BITS == tag) {
			s->way[i] = 0;
			*delta = (now - w) & NETDX_STAMP_TS_MASK;
			return true;
		}
	}
	return false;
}

#endif
