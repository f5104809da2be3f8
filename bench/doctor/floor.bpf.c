// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The tracepoint floor of the doctor benchmark: empty programs on exactly the hooks the doctor's
 * bundle attaches, of the same kinds and as many (netdx doctor: 13 links), so a workload run
 * under them shows what the hooks alone cost here, whatever the programs do:
 *   classic tracepoints (doctor.bpf.c, owner cache): skb:kfree_skb, tcp:tcp_retransmit_skb,
 *     tcp:tcp_send_reset, tcp:tcp_receive_reset, syscalls:sys_exit_accept4, sys_exit_accept;
 *   raw tracepoints: sock_send_length and sock_recv_length twice each (DNS timing and the owner
 *     cache), inet_sock_set_state (tcpconnect's failed connects), softirq_entry/exit (softirqs).
 * (bpftrace 0.17, Debian 12's, has no raw tracepoints: hence this object and floor.c.) */
#include <linux/types.h>
#include <bpf/bpf_helpers.h>

#define EMPTY(sec, name) SEC(sec) int name(void *ctx) { return 0; }

EMPTY("tracepoint/skb/kfree_skb", floor_drop)
EMPTY("tracepoint/tcp/tcp_retransmit_skb", floor_retrans)
EMPTY("tracepoint/tcp/tcp_send_reset", floor_rst_out)
EMPTY("tracepoint/tcp/tcp_receive_reset", floor_rst_in)
EMPTY("tracepoint/syscalls/sys_exit_accept4", floor_accept4)
EMPTY("tracepoint/syscalls/sys_exit_accept", floor_accept)
EMPTY("raw_tp/sock_send_length", floor_dns_q)
EMPTY("raw_tp/sock_recv_length", floor_dns_a)
EMPTY("raw_tp/sock_send_length", floor_send)
EMPTY("raw_tp/sock_recv_length", floor_recv)
EMPTY("raw_tp/inet_sock_set_state", floor_state)
EMPTY("raw_tp/softirq_entry", floor_softirq_entry)
EMPTY("raw_tp/softirq_exit", floor_softirq_exit)

char LICENSE[] SEC("license") = "Dual BSD/GPL";
