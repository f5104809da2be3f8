/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The contract between tcpaccept.bpf.c and lib.ts: one event per TCP connection accept() returned.
 * The build generates tcpaccept.h.ts. */
#ifndef NETDX_TCPACCEPT_H
#define NETDX_TCPACCEPT_H

#include "netdx_tcpev.h"

struct tcpaccept_event {
	NETDX_TCPEV_SOCK_FIELDS /* 0..72: the accepted socket; pid, comm: the accepting process */
	__u32 backlog;      /* 72: the listener's accept queue after this accept (sk_ack_backlog) */
	__u32 max_backlog;  /* 76: its limit (listen()'s backlog, capped by somaxconn) */
	__s32 fd;           /* 80: the new file descriptor */
	__u32 tid;          /* 84: the accepting thread; sizeof == 88 */
};

#endif
