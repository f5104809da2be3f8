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
	__u32 slot = netdx_log2(v);
	if (slot >= NETDX_MAX_SLOTS)
		slot = NETDX_MAX_SLOTS - 1;
	__sync_fetch_and_add(&h->slots[slot], 1);
}

/* Per-CPU counters of events that could not be queued: slot 0 when the ring buffer had no room,
 * slot 1 when bpf_ringbuf_reserve() failed although the ring had room (so user space can tell
 * a consumer that fell behind from a refusal for another reason). */
#define NETDX_LOST_MAP(name)                              \
	struct {                                          \
		__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);  \
		__uint(max_entries, 2);                   \
		__type(key, __u32);                       \
		__type(value, __u64);                     \
	} name SEC(".maps")

/* Counts one event that found no place in `ring` (a BPF_MAP_TYPE_RINGBUF of `ring_size` bytes). */
static __always_inline void netdx_count_lost(void *lost, void *ring, __u64 ring_size, __u64 record)
{
	/* the kernel refuses a record when producer + len - consumer > size - 1 (kernel/bpf/ringbuf.c) */
	__u64 len = (record + 8 + 7) & ~7ULL;
	__u64 pending = bpf_ringbuf_query(ring, BPF_RB_AVAIL_DATA);
	__u32 slot = pending + len >= ring_size ? 0 : 1;
	__u64 *n = bpf_map_lookup_elem(lost, &slot);
	if (n)
		*n += 1;
}

#endif
