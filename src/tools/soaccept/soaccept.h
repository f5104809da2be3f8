/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* soaccept's event: one accept() or accept4() call, sent at its return. The build generates
 * soaccept.h.ts from this header. */
#ifndef NETDX_SOACCEPT_H
#define NETDX_SOACCEPT_H

#define NETDX_SYS_FIELDS_ONLY
#include "netdx_sys.h"
#undef NETDX_SYS_FIELDS_ONLY

struct soaccept_event {
	__u8 laddr[16];     /* the new socket's local address (IPv4 in the first 4 bytes) */
	__u8 raddr[16];     /* its peer */
	NETDX_SYS_EVENT_FIELDS
	__s32 newfd;        /* the accepted socket's fd; -1 on failure */
	__u32 qlen;         /* the listener's accept queue after this call (sk_ack_backlog) */
	__u32 qmax;         /* its limit (sk_max_ack_backlog) */
	__u16 lport;        /* the listener's port */
	__u16 rport;        /* the peer's port */
};

#endif
