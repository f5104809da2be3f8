// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Minimal programs that `netdx check` (and every BPF tool, before it runs) loads and attaches
 * one at a time: a hook is "supported" only when the kernel accepts a real program on it. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} probe_rb SEC(".maps");

__u64 hits = 0;

SEC("tracepoint/sock/inet_sock_set_state")
int probe_tracepoint(void *ctx) { __sync_fetch_and_add(&hits, 1); return 0; }

SEC("tracepoint/syscalls/sys_enter_getpid")
int probe_syscall_tracepoint(void *ctx) { __sync_fetch_and_add(&hits, 1); return 0; }

SEC("raw_tp/inet_sock_set_state")
int probe_raw_tracepoint(void *ctx) { __sync_fetch_and_add(&hits, 1); return 0; }

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(probe_tp_btf, struct sock *sk, int oldstate, int newstate) { __sync_fetch_and_add(&hits, 1); return 0; }

/* An attach point no kernel has: how a tool on a tracepoint this kernel lacks is explained (tests) */
SEC("raw_tp/netdx_no_such_tracepoint")
int probe_missing_tracepoint(void *ctx) { return 0; }

SEC("kprobe/tcp_v4_connect")
int probe_kprobe(void *ctx) { __sync_fetch_and_add(&hits, 1); return 0; }

SEC("fentry/tcp_v4_connect")
int BPF_PROG(probe_fentry, struct sock *sk) { __sync_fetch_and_add(&hits, 1); return 0; }

SEC("uprobe")
int probe_uprobe(void *ctx) { __sync_fetch_and_add(&hits, 1); return 0; }

SEC("tracepoint/syscalls/sys_enter_getppid")
int probe_ringbuf(void *ctx)
{
	__u64 *e = bpf_ringbuf_reserve(&probe_rb, sizeof(*e), 0);
	if (!e)
		return 0;
	*e = 1;
	bpf_ringbuf_submit(e, 0);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
