/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The contract between tcpdrop.bpf.c and lib.ts: one event per TCP packet the kernel dropped.
 * The build generates tcpdrop.h.ts. */
#ifndef NETDX_TCPDROP_H
#define NETDX_TCPDROP_H

#include "netdx_tcpev.h"

struct tcpdrop_event {
	NETDX_TCPEV_SOCK_FIELDS /* 0..72; with no socket, the ends of the packet (local: its destination) */
	__u64 location;     /* 72: the kernel address that dropped it */
	__u32 reason;       /* 80: enum skb_drop_reason (names from the kernel's BTF) */
	__u8 has_sk;        /* 84: a full socket was known (rx_sk, or the skb's own) */
	__u8 _pad[3];       /* 85; sizeof == 88 */
};

#endif
