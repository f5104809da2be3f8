/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* solisten's event: one listen() call, sent at its return. The build generates solisten.h.ts
 * from this header. */
#ifndef NETDX_SOLISTEN_H
#define NETDX_SOLISTEN_H

#define NETDX_SYS_FIELDS_ONLY
#include "netdx_sys.h"
#undef NETDX_SYS_FIELDS_ONLY

struct solisten_event {
	__u8 laddr[16];     /* the socket's local address after the call (IPv4 in the first 4 bytes) */
	NETDX_SYS_EVENT_FIELDS
	__s32 backlog;      /* the backlog asked for */
	__u32 max_backlog;  /* the effective limit after the call: sk_max_ack_backlog */
	__u32 somaxconn;    /* net.core.somaxconn of the socket's namespace */
	__u16 lport;        /* the port listened on (chosen by the call for an unbound socket) */
};

#endif
