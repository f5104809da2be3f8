/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* soconnect's event: one connect() call, sent at its return. The build generates soconnect.h.ts
 * from this header. */
#ifndef NETDX_SOCONNECT_H
#define NETDX_SOCONNECT_H

#define NETDX_SYS_FIELDS_ONLY
#include "netdx_sys.h"
#undef NETDX_SYS_FIELDS_ONLY

struct soconnect_event {
	__u8 addr[16];      /* the address asked for (IPv4 in the first 4 bytes) */
	char path[64];      /* AF_UNIX: the path asked for ('@' starts an abstract name) */
	NETDX_SYS_EVENT_FIELDS
	__u16 afamily;      /* the sockaddr's (AF_UNSPEC 0 dissolves a datagram socket's association) */
	__u16 port;         /* the port asked for */
	__u16 lport;        /* the socket's local port after the call (0 unknown) */
};

#endif
