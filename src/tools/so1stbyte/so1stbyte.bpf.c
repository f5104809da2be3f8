// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* so1stbyte: the time from connect() to the first byte read on that socket, as log2 histograms
 * per process (or for all), aggregated in the kernel: the service's time to first byte as its
 * client sees it (handshake, request, the server's think time, the reply's first segment).
 * sys_enter_connect stamps the socket (any family: TCP, UDP, unix); sock:sock_recv_length (a
 * receive that returned, Linux 6.3+, in the reader's process context) ends it: a positive length
 * is the first byte; 0 (the peer closed) or an error other than EAGAIN/EINTR ends the connection
 * first ("failed"). A connect() that fails drops the stamp. The stamp keeps the socket's inode
 * number, so a later socket at the same address is never taken for it. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "netdx.h"
#include "netdx_filter.h"
#include "netdx_owner.h"
#include "netdx_sys.h"
#include "so1stbyte.h"

#define EAGAIN 11
#define EINTR 4
#define EINPROGRESS 115

NETDX_SYS_CALLS_MAP(calls);
NETDX_LOST_MAP(lost);
NETDX_SYS_HISTS(so1stbyte_key, so1stbyte_val)

struct stamp {
	__u64 ts_ns;
	__u64 ino;
};

/* Connected sockets waiting for their first byte; the oldest go when it is full. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, struct stamp);
} stamps SEC(".maps");

static __always_inline __u64 sk_ino(struct sock *sk)
{
	return BPF_CORE_READ(sk, sk_socket, file, f_inode, i_ino);
}

static __always_inline int on_enter(long fd, long uaddr, long addrlen)
{
	struct netdx_sys_call c = {};
	if (!netdx_sys_begin_addr(&c, fd, uaddr, addrlen) || !c.sk)
		return 0;
	struct stamp st = { .ts_ns = c.ts_ns, .ino = sk_ino((struct sock *)c.sk) };
	bpf_map_update_elem(&stamps, &c.sk, &st, BPF_ANY);
	netdx_sys_save(&calls, &lost, &c);
	return 0;
}

static __always_inline int on_exit(struct netdx_sys_call *c, struct sock *sk, long ret)
{
	/* no connection: nothing will be read on it */
	if (ret < 0 && ret != -EINPROGRESS)
		bpf_map_delete_elem(&stamps, &c->sk);
	return 0;
}

/* so1stbyte_enter_connect, so1stbyte_exit_connect */
NETDX_SYS_PROGRAMS(so1stbyte, connect, on_enter, on_exit)

static __always_inline int on_recv(struct sock *sk, int ret)
{
	if (ret == -EAGAIN || ret == -EINTR)
		return 0;
	__u64 key = (__u64)sk;
	struct stamp *st = bpf_map_lookup_elem(&stamps, &key);
	if (!st)
		return 0;
	__u64 delta = bpf_ktime_get_ns() - st->ts_ns;
	bool same = st->ino == sk_ino(sk);
	bpf_map_delete_elem(&stamps, &key);
	if (same)
		hist_add_current(ret <= 0, delta);
	return 0;
}

SEC("raw_tp/sock_recv_length")
int so1stbyte_recv_raw(struct bpf_raw_tracepoint_args *ctx)
{
	return on_recv((struct sock *)ctx->args[0], (int)ctx->args[1]);
}

SEC("tracepoint/sock/sock_recv_length")
int so1stbyte_recv_tp(struct trace_event_raw_sock_msg_length *ctx)
{
	return on_recv((struct sock *)ctx->sk, ctx->ret);
}

SEC("tp_btf/sock_recv_length")
int BPF_PROG(so1stbyte_recv_btf, struct sock *sk, int ret, int flags)
{
	return on_recv(sk, ret);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
