/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Shared by every netdx BPF program: constants the kernel headers (vmlinux.h) lack, log2
 * histogram slots, and small helpers. Event structs shared with TypeScript live in each tool's
 * own header (tools/<tool>/<tool>.h) and are checked against the object's BTF in tests. */
#ifndef NETDX_H
#define NETDX_H

#define AF_INET 2
#define AF_INET6 10
#define TASK_COMM_LEN 16
#define NETDX_MAX_SLOTS 27

/* include/net/tcp_states.h: an enum in the kernel, but not always emitted into BTF. */
#define NETDX_TCP_ESTABLISHED 1
#define NETDX_TCP_SYN_SENT 2
#define NETDX_TCP_SYN_RECV 3
#define NETDX_TCP_FIN_WAIT1 4
#define NETDX_TCP_FIN_WAIT2 5
#define NETDX_TCP_TIME_WAIT 6
#define NETDX_TCP_CLOSE 7
#define NETDX_TCP_CLOSE_WAIT 8
#define NETDX_TCP_LAST_ACK 9
#define NETDX_TCP_LISTEN 10
#define NETDX_TCP_CLOSING 11

struct netdx_hist {
	__u32 slots[NETDX_MAX_SLOTS];
};

/* Index of the highest set bit: the log2 slot of v (0 for 0 and 1). */
static __always_inline __u32 netdx_log2(__u64 v)
{
	__u32 r = 0, shift;
	shift = (v > 0xFFFFFFFFULL) << 5; v >>= shift; r |= shift;
	shift = (v > 0xFFFF) << 4; v >>= shift; r |= shift;
	shift = (v > 0xFF) << 3; v >>= shift; r |= shift;
	shift = (v > 0xF) << 2; v >>= shift; r |= shift;
	shift = (v > 0x3) << 1; v >>= shift; r |= shift;
	r |= (v >> 1);
	return r;
}

static __always_inline void netdx_hist_add(struct netdx_hist *h, __u64 v)
{
	/* 64 bits: with a 32-bit slot clang may check one register and index with another, whose
	 * bound the verifier then does not know */
	__u64 slot = netdx_log2(v);
	if (slot >= NETDX_MAX_SLOTS)
		slot = NETDX_MAX_SLOTS - 1;
	__sync_fetch_and_add(&h->slots[slot], 1);
}

/* Linear histogram slot: v / step, the last slot collecting everything above. */
static __always_inline __u32 netdx_lin_slot(__u64 v, __u64 step, __u32 nslots)
{
	__u64 s = step ? v / step : 0;
	return s >= nslots ? nslots - 1 : (__u32)s;
}

/* Per-CPU counters of events a probe could not deliver, one slot per cause:
 *   0  the ring buffer had no room (user space fell behind)
 *   1  bpf_ringbuf_reserve() failed although the ring had room (a refusal for another reason)
 *   2  untracked: a tracking map was full, so a socket or flow was never followed */
#define NETDX_LOST_FULL 0
#define NETDX_LOST_REFUSED 1
#define NETDX_LOST_UNTRACKED 2
#define NETDX_LOST_MAP(name)                              \
	struct {                                          \
		__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);  \
		__uint(max_entries, 3);                   \
		__type(key, __u32);                       \
		__type(value, __u64);                     \
	} name SEC(".maps")

static __always_inline void netdx_count(void *lost, __u32 slot)
{
	__u64 *n = bpf_map_lookup_elem(lost, &slot);
	if (n)
		*n += 1;
}

/* Counts one record of `record` bytes that found no place in `ring`. The ring's size is asked of
 * the kernel, so user space may resize the ring before load. */
static __always_inline void netdx_count_lost(void *lost, void *ring, __u64 record)
{
	/* the kernel refuses a record when producer + len - consumer > size - 1 (kernel/bpf/ringbuf.c) */
	__u64 len = (record + 8 + 7) & ~7ULL;
	__u64 pending = bpf_ringbuf_query(ring, BPF_RB_AVAIL_DATA);
	__u64 size = bpf_ringbuf_query(ring, BPF_RB_RING_SIZE);
	netdx_count(lost, pending + len >= size ? NETDX_LOST_FULL : NETDX_LOST_REFUSED);
}

/* A ring buffer record of type T, or NULL (counted in `lost`) when it found no room. Submit it
 * with BPF_RB_NO_WAKEUP: user space drains every ring on a timer (core/bpf/ringbuf.ts) and never
 * waits on the ring's fd, so a wakeup would only queue irq_work for nobody. */
#define netdx_reserve(ring, lost, T)                                            \
	({                                                                      \
		T *__r = bpf_ringbuf_reserve(ring, sizeof(T), 0);               \
		if (!__r)                                                       \
			netdx_count_lost(lost, ring, sizeof(T));                \
		__r;                                                            \
	})

/* Keeps struct NAME in the object's BTF (where tests compare it with the TypeScript layout the
 * build generated from the tool's header). */
#define NETDX_EXPORT(NAME) struct NAME *__netdx_export_##NAME __attribute__((unused))

/* An aggregate map NAME of struct KEY -> struct VAL read and deleted by user space per interval
 * (both structs kept in BTF for the layout tests), and the map `lost` that counts the keys it had
 * no room for. */
#define NETDX_AGGREGATE_MAP(NAME, KEY, VAL, ENTRIES)                \
	struct {                                                    \
		__uint(type, BPF_MAP_TYPE_HASH);                    \
		__uint(max_entries, ENTRIES);                       \
		__type(key, struct KEY);                            \
		__type(value, struct VAL);                          \
	} NAME SEC(".maps");                                        \
	NETDX_LOST_MAP(lost);                                       \
	NETDX_EXPORT(KEY);                                          \
	NETDX_EXPORT(VAL)

/* An aggregate's value at `key`, created from `zero` when missing; NULL (counted in `lost` as
 * untracked) when the map is full. */
static __always_inline void *netdx_agg_get(void *map, const void *key, const void *zero, void *lost)
{
	void *v = bpf_map_lookup_elem(map, key);
	if (v)
		return v;
	/* another CPU may create it meanwhile: BPF_NOEXIST fails then, and the lookup finds it */
	bpf_map_update_elem(map, key, zero, BPF_NOEXIST);
	v = bpf_map_lookup_elem(map, key);
	if (!v)
		netdx_count(lost, NETDX_LOST_UNTRACKED);
	return v;
}

/* An aggregate's value of type VAL at `key`, made when missing with the calling task's name in its
 * `comm`: the name is read once per key and interval, not at every call (bpf_get_current_comm
 * costs ~60 ns a call here: bench/toolbox/breakdown.sh). NULL when the map is full (counted). */
#define NETDX_AGG_GET_NAMED(MAP, KEY, VAL)                                      \
	({                                                                      \
		struct VAL *__v = bpf_map_lookup_elem(MAP, KEY);                \
		if (!__v) {                                                     \
			struct VAL __z = {};                                    \
			bpf_get_current_comm(__z.comm, sizeof(__z.comm));       \
			__v = netdx_agg_get(MAP, KEY, &__z, &lost);             \
		}                                                               \
		__v;                                                            \
	})

#endif
