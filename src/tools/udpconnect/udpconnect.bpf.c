// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* udpconnect: connect() calls on UDP sockets (IPv4 and IPv6), on the syscall tracepoints
 * sys_enter_connect/sys_exit_connect: soconnect's programs (netdx_sys.h
 * NETDX_SYS_CONNECT_PROGRAMS) with a UDP filter at entry, where the fd's socket is known, so a
 * TCP or unix connect costs a comparison and no event. BCC's udpconnect needs a kprobe on
 * ip4_datagram_connect; this needs none, and sees IPv6 and AF_UNSPEC (an association dissolved)
 * too. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "netdx.h"
#include "netdx_filter.h"
#include "netdx_sys.h"
#include "udpconnect.h"

#define SOCK_DGRAM 2
#define IPPROTO_UDP 17

NETDX_SYS_EVENT_MAPS(udpconnect_event);

/* a UDP socket: SOCK_DGRAM of protocol UDP (an IPPROTO_UDP raw socket and UDP-Lite are not) */
static __always_inline bool udp_sock(struct sock *sk)
{
	return sk && BPF_CORE_READ(sk, sk_type) == SOCK_DGRAM &&
	       BPF_CORE_READ_BITFIELD_PROBED(sk, sk_protocol) == IPPROTO_UDP;
}

/* udpconnect_enter_connect, udpconnect_exit_connect */
NETDX_SYS_CONNECT_PROGRAMS(udpconnect, udpconnect_event, udp_sock)

char LICENSE[] SEC("license") = "Dual BSD/GPL";
