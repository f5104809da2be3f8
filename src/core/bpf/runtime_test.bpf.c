// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Test object for the runtime (runtime.test.ts): every map kind netdx reads, fed by a syscall
 * tracepoint filtered to the test's own process through read-only config. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "netdx.h"

const volatile __u32 target_tgid = 0;
const volatile __u64 add_value = 1;

struct { __uint(type, BPF_MAP_TYPE_HASH); __uint(max_entries, 1024); __type(key, __u32); __type(value, __u64); } hash SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_ARRAY); __uint(max_entries, 4); __type(key, __u32); __type(value, __u64); } array SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY); __uint(max_entries, 1); __type(key, __u32); __type(value, __u64); } percpu SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_PERCPU_HASH); __uint(max_entries, 64); __type(key, __u32); __type(value, __u64); } percpu_hash SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_RINGBUF); __uint(max_entries, 4096); } events SEC(".maps");
NETDX_LOST_MAP(lost);

__u32 calls = 0;

SEC("tracepoint/syscalls/sys_enter_getppid")
int count_getppid(void *ctx)
{
	if ((bpf_get_current_pid_tgid() >> 32) != target_tgid)
		return 0;
	/* The test calls from one thread, so a plain increment is exact (and needs no v3 atomics). */
	__u32 n = calls++;
	__u32 zero = 0, slot = n % 4;
	__u64 one = 1, *v;

	/* hash: one entry per call number, value = call number * add_value */
	__u64 val = (__u64)n * add_value;
	bpf_map_update_elem(&hash, &n, &val, BPF_ANY);
	v = bpf_map_lookup_elem(&array, &slot);
	if (v)
		__sync_fetch_and_add(v, add_value);
	v = bpf_map_lookup_elem(&percpu, &zero);
	if (v)
		*v += add_value;
	__u32 k = n % 8;
	v = bpf_map_lookup_elem(&percpu_hash, &k);
	if (v)
		*v += 1;
	else
		bpf_map_update_elem(&percpu_hash, &k, &one, BPF_NOEXIST);
	/* ring: a 4096-byte ring fills after a few hundred records; the rest count as lost */
	__u64 *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		netdx_count_lost(&lost, &events, sizeof(*e));
		return 0;
	}
	*e = n;
	bpf_ringbuf_submit(e, 0);
	return 0;
}

/* Ring stress (ringbuf.test.ts): records of varying length (12..251 bytes, most not a multiple of
 * 8) into a 4096-byte ring, so that records straddle the ring's end and the ring wraps many times.
 * Payload: u32 sequence, u32 length, then every byte = (sequence + index) & 0xff. */
struct stress_buf { __u8 b[256]; };
struct { __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY); __uint(max_entries, 1); __type(key, __u32); __type(value, struct stress_buf); } stress_scratch SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_RINGBUF); __uint(max_entries, 4096); } stress_ring SEC(".maps");
__u32 stress_seq = 0;

SEC("tracepoint/syscalls/sys_enter_getppid")
int ring_stress(void *ctx)
{
	if ((bpf_get_current_pid_tgid() >> 32) != target_tgid)
		return 0;
	__u32 zero = 0, n = stress_seq++;
	struct stress_buf *buf = bpf_map_lookup_elem(&stress_scratch, &zero);
	if (!buf)
		return 0;
	__u32 len = 12 + (n * 37) % 240;
	*(__u32 *)&buf->b[0] = n;
	*(__u32 *)&buf->b[4] = len;
	for (__u32 i = 8; i < 256; i++)
		buf->b[i] = (__u8)(n + i);
	if (bpf_ringbuf_output(&stress_ring, buf, len & 255, 0))
		netdx_count_lost(&lost, &stress_ring, len);
	return 0;
}

/* Rejected by the verifier on purpose: dereferences a number as a pointer. */
SEC("tracepoint/syscalls/sys_enter_getppid")
int bad_access(void *ctx)
{
	return *(volatile int *)(long)bpf_get_prandom_u32();
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
