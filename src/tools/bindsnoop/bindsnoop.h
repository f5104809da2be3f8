/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* bindsnoop's event: one bind() call, sent at its return. The build generates bindsnoop.h.ts
 * from this header. */
#ifndef NETDX_BINDSNOOP_H
#define NETDX_BINDSNOOP_H

#define NETDX_SYS_FIELDS_ONLY
#include "netdx_sys.h"
#undef NETDX_SYS_FIELDS_ONLY

/* opts: the socket's options that change what bind() does */
#define BINDSNOOP_REUSEADDR 1
#define BINDSNOOP_REUSEPORT 2
#define BINDSNOOP_FREEBIND 4
#define BINDSNOOP_TRANSPARENT 8
#define BINDSNOOP_NO_PORT 16    /* IP_BIND_ADDRESS_NO_PORT: the port is chosen at connect() */

struct bindsnoop_event {
	__u8 addr[16];      /* the address asked for (IPv4 in the first 4 bytes) */
	char path[64];      /* AF_UNIX: the path asked for ('@' starts an abstract name) */
	NETDX_SYS_EVENT_FIELDS
	__s32 ifindex;      /* SO_BINDTODEVICE's interface; 0 none */
	__u16 afamily;      /* the sockaddr's */
	__u16 port;         /* the port asked for (0: any) */
	__u16 bound_port;   /* the socket's port after the call (0: none yet) */
	__u16 opts;         /* BINDSNOOP_* */
};

#endif
