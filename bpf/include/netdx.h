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

/* Per-CPU counter of events the ring buffer had no room for; user space reports the sum. */
#define NETDX_LOST_MAP(name)                              \
	struct {                                          \
		__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);  \
		__uint(max_entries, 1);                   \
		__type(key, __u32);                       \
		__type(value, __u64);                     \
	} name SEC(".maps")

static __always_inline void netdx_count_lost(void *map)
{
	__u32 zero = 0;
	__u64 *n = bpf_map_lookup_elem(map, &zero);
	if (n)
		*n += 1;
}

#endif
