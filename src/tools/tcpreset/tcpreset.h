/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The contract between tcpreset.bpf.c and lib.ts: one event per TCP reset sent or received. The
 * build generates tcpreset.h.ts. */
#ifndef NETDX_TCPRESET_H
#define NETDX_TCPRESET_H

#include "netdx_tcpev.h"

struct tcpreset_event {
	NETDX_TCPEV_SOCK_FIELDS /* 0..72; with no socket, the ends of the packet answered */
	__u32 reason;       /* 72: enum sk_rst_reason of a reset sent (names from the kernel's BTF) */
	__u8 sent;          /* 76: 1 sent, 0 received */
	__u8 has_sk;        /* 77: a socket (0: a packet nobody's, answered by the stack) */
	__u8 _pad[2];       /* 78; sizeof == 80 */
};

#endif
