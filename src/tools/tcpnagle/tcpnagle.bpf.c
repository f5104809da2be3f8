// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* tcpnagle: how long Nagle's algorithm holds small writes back, per TCP socket, on tracepoints
 * (the BPF Performance Tools' tcpnagle needs a kprobe and kretprobe on tcp_write_xmit).
 *
 * sock:sock_send_length runs in the writer's process once tcp_sendmsg() returned, having pushed
 * what it could: bytes still unsent (write_seq - snd_nxt > 0) were held. The hold is Nagle's when
 * the socket has Nagle on (nonagle 0: no TCP_NODELAY, no cork), data in flight (packets_out > 0)
 * and less than one MSS held; others (a full window, pacing, cork) are not counted. The hold
 * starts there, with the write_seq to reach; it ends at the first net:net_dev_queue of a segment
 * of that socket whose end covers it (sent when an ACK came, in softirq, or by a later write). */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_tracing.h>
#include "netdx.h"
#include "netdx_filter.h"
#include "netdx_tcpprobe.h"
#include "tcpnagle.h"

#ifndef IPPROTO_TCP
#define IPPROTO_TCP 6
#endif
#define SOCK_STREAM 1

_Static_assert(sizeof(((struct tcpnagle_stat *)0)->slots) == sizeof(struct netdx_hist),
	       "tcpnagle_stat.slots is a struct netdx_hist");

struct hold {
	__u64 start_ns;
	__u32 end_seq;      /* write_seq when the hold began */
	__u32 pid;
	char comm[TASK_COMM_LEN];
};

/* Holds under way, per socket; LRU: a socket closed while holding ages out. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, struct hold);
} holding SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);
	__type(key, __u64);
	__type(value, struct tcpnagle_stat);
} stats SEC(".maps");

NETDX_LOST_MAP(lost);
NETDX_EXPORT(tcpnagle_stat);

static __always_inline int on_send(struct sock *sk)
{
	/* TCP's own sockets: not a raw socket of protocol 6 */
	if (BPF_CORE_READ_BITFIELD_PROBED(sk, sk_protocol) != IPPROTO_TCP || BPF_CORE_READ(sk, sk_type) != SOCK_STREAM)
		return 0;
	__u64 key = (__u64)sk;
	/* a hold under way ends when its bytes go out, however many writes join it */
	if (bpf_map_lookup_elem(&holding, &key) || !netdx_sk_ok(sk) || !netdx_task_ok())
		return 0;
	struct tcp_sock *tp = (struct tcp_sock *)sk;
	__u32 write_seq = BPF_CORE_READ(tp, write_seq);
	__u32 held = write_seq - BPF_CORE_READ(tp, snd_nxt);
	if ((__s32)held <= 0 || held >= BPF_CORE_READ(tp, mss_cache) || !BPF_CORE_READ(tp, packets_out) ||
	    BPF_CORE_READ_BITFIELD_PROBED(tp, nonagle))
		return 0;
	struct hold h = { .start_ns = bpf_ktime_get_ns(), .end_seq = write_seq, .pid = bpf_get_current_pid_tgid() >> 32 };
	bpf_get_current_comm(h.comm, sizeof(h.comm));
	bpf_map_update_elem(&holding, &key, &h, BPF_ANY);
	return 0;
}

/* The end of the TCP payload an outgoing skb carries (its sequence number + payload bytes). */
static __always_inline __u32 skb_end_seq(struct sk_buff *skb)
{
	unsigned char *head = BPF_CORE_READ(skb, head);
	__u16 th_off = BPF_CORE_READ(skb, transport_header);
	__u32 in_head = th_off - (__u32)(BPF_CORE_READ(skb, data) - head);
	struct tcphdr th = {};
	bpf_probe_read_kernel(&th, sizeof(th), head + th_off);
	__u32 hl = th.doff * 4;
	return bpf_ntohl(th.seq) + BPF_CORE_READ(skb, len) - in_head - hl;
}

static __always_inline int on_xmit(struct sk_buff *skb)
{
	struct sock *sk = BPF_CORE_READ(skb, sk);
	if (!sk)
		return 0;
	__u64 key = (__u64)sk;
	struct hold *h = bpf_map_lookup_elem(&holding, &key);
	if (!h || (__s32)(skb_end_seq(skb) - h->end_seq) < 0)
		return 0;
	__u64 delta = bpf_ktime_get_ns() - h->start_ns;
	struct tcpnagle_stat *s = bpf_map_lookup_elem(&stats, &key);
	if (!s) {
		struct tcpnagle_stat zero = {};
		zero.family = BPF_CORE_READ(sk, __sk_common.skc_family);
		netdx_sk_addrs(sk, zero.family, zero.saddr, zero.daddr);
		zero.sport = netdx_sk_lport(sk);
		zero.dport = netdx_sk_rport(sk);
		if (bpf_map_update_elem(&stats, &key, &zero, BPF_NOEXIST) && !bpf_map_lookup_elem(&stats, &key))
			netdx_count(&lost, NETDX_LOST_UNTRACKED);
		s = bpf_map_lookup_elem(&stats, &key);
		if (!s)
			goto done;
	}
	s->pid = h->pid;
	__builtin_memcpy(s->comm, h->comm, sizeof(s->comm));
	__sync_fetch_and_add(&s->holds, 1);
	__sync_fetch_and_add(&s->total_ns, delta);
	if (delta > s->max_ns)
		s->max_ns = delta;
	netdx_hist_add((struct netdx_hist *)s->slots, delta / 1000);
done:
	bpf_map_delete_elem(&holding, &key);
	return 0;
}

/* every protocol's sends: on_send keeps TCP's */
NETDX_PTR_TP_PROGRAMS(tcpnagle_send, sock, sock_send_length, sock_msg_length, sk, struct sock, on_send)
NETDX_PTR_TP_PROGRAMS(tcpnagle_xmit, net, net_dev_queue, net_dev_template, skbaddr, struct sk_buff, on_xmit)

char LICENSE[] SEC("license") = "Dual BSD/GPL";
