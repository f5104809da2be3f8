// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The per-event floor of the toolbox benchmark on the hooks of socketio, tcptop and socksize
 * (sock:sock_send_length and sock_recv_length): what entering a program at all costs there, and a
 * program that does the least an aggregation can (one per-CPU array increment), each through
 * raw_tp (how netdx attaches them) and the classic tracepoint (how bpftrace does). Loaded and
 * attached by bench/doctor/floor.c, a pair at a time by name:
 *   empty_send_raw empty_recv_raw | empty_send_tp empty_recv_tp
 *   count_send_raw count_recv_raw | count_send_tp count_recv_tp
 * and, for tcpaccept and soconnect, empty programs on their syscall tracepoints:
 *   empty_accept_enter empty_accept_exit empty_accept4_enter empty_accept4_exit
 *   empty_connect_enter empty_connect_exit
 * and, for bench/packets (the per-packet tools), both kinds on their hooks through both routes:
 *   {empty,count}_{xmit,rx,enq,deq,napi,drop}_{raw,tp}
 *   (netsize: xmit rx; qdisclat: enq deq; napi: napi; skbdrop: drop)
 * and the keyed floor, the least an aggregation by key can do (bpftrace's @[pid] = count()): a
 * hash map lookup of an 8-byte key (the hook, the current PID), an atomic add on a hit, an insert
 * on a miss, as netdx_agg_get() does; through raw_tp:
 *   keyed_send_raw keyed_recv_raw, keyed_{xmit,rx,enq,deq,napi,drop}_raw
 * and, for bench/tcpretrans, empty programs on tcp:tcp_retransmit_skb through both routes:
 *   empty_retrans_raw | empty_retrans_tp */
#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 8);
	__type(key, __u32);
	__type(value, __u64);
} calls SEC(".maps");

static __always_inline int add(__u32 k)
{
	__u64 *v = bpf_map_lookup_elem(&calls, &k);
	if (v)
		*v += 1;
	return 0;
}

struct keyed_key {
	__u32 hook;
	__u32 pid;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, struct keyed_key);
	__type(value, __u64);
} keyed SEC(".maps");

static __always_inline int keyed_add(__u32 k)
{
	struct keyed_key key = { .hook = k, .pid = bpf_get_current_pid_tgid() >> 32 };
	__u64 *v = bpf_map_lookup_elem(&keyed, &key);
	if (v) {
		__sync_fetch_and_add(v, 1);
		return 0;
	}
	__u64 one = 1;
	bpf_map_update_elem(&keyed, &key, &one, BPF_NOEXIST);
	return 0;
}

SEC("raw_tp/sock_send_length") int keyed_send_raw(void *ctx) { return keyed_add(0); }
SEC("raw_tp/sock_recv_length") int keyed_recv_raw(void *ctx) { return keyed_add(1); }
SEC("raw_tp/sock_send_length") int empty_send_raw(void *ctx) { return 0; }
SEC("raw_tp/sock_recv_length") int empty_recv_raw(void *ctx) { return 0; }
SEC("tracepoint/sock/sock_send_length") int empty_send_tp(void *ctx) { return 0; }
SEC("tracepoint/sock/sock_recv_length") int empty_recv_tp(void *ctx) { return 0; }
SEC("raw_tp/sock_send_length") int count_send_raw(void *ctx) { return add(0); }
SEC("raw_tp/sock_recv_length") int count_recv_raw(void *ctx) { return add(1); }
SEC("tracepoint/sock/sock_send_length") int count_send_tp(void *ctx) { return add(0); }
SEC("tracepoint/sock/sock_recv_length") int count_recv_tp(void *ctx) { return add(1); }
SEC("tracepoint/syscalls/sys_enter_accept") int empty_accept_enter(void *ctx) { return 0; }
SEC("tracepoint/syscalls/sys_exit_accept") int empty_accept_exit(void *ctx) { return 0; }
SEC("tracepoint/syscalls/sys_enter_accept4") int empty_accept4_enter(void *ctx) { return 0; }
SEC("tracepoint/syscalls/sys_exit_accept4") int empty_accept4_exit(void *ctx) { return 0; }
SEC("tracepoint/syscalls/sys_enter_connect") int empty_connect_enter(void *ctx) { return 0; }
SEC("tracepoint/syscalls/sys_exit_connect") int empty_connect_exit(void *ctx) { return 0; }
SEC("raw_tp/tcp_retransmit_skb") int empty_retrans_raw(void *ctx) { return 0; }
SEC("tracepoint/tcp/tcp_retransmit_skb") int empty_retrans_tp(void *ctx) { return 0; }

#define PACKET_FLOOR(name, k, raw, group, tp)                                           \
	SEC("raw_tp/" raw) int empty_##name##_raw(void *ctx) { return 0; }                \
	SEC("raw_tp/" raw) int count_##name##_raw(void *ctx) { return add(k); }           \
	SEC("raw_tp/" raw) int keyed_##name##_raw(void *ctx) { return keyed_add(k); }     \
	SEC("tracepoint/" group "/" tp) int empty_##name##_tp(void *ctx) { return 0; }    \
	SEC("tracepoint/" group "/" tp) int count_##name##_tp(void *ctx) { return add(k); }

PACKET_FLOOR(xmit, 2, "net_dev_start_xmit", "net", "net_dev_start_xmit")
PACKET_FLOOR(rx, 3, "netif_receive_skb", "net", "netif_receive_skb")
PACKET_FLOOR(enq, 4, "qdisc_enqueue", "qdisc", "qdisc_enqueue")
PACKET_FLOOR(deq, 5, "qdisc_dequeue", "qdisc", "qdisc_dequeue")
PACKET_FLOOR(napi, 6, "napi_poll", "napi", "napi_poll")
PACKET_FLOOR(drop, 7, "kfree_skb", "skb", "kfree_skb")

char LICENSE[] SEC("license") = "Dual BSD/GPL";
