/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* udpconnect's event: one connect() call on a UDP socket, sent at its return (fields: netdx_sys.h
 * NETDX_SYS_CONNECT_FIELDS). The build generates udpconnect.h.ts from this header. */
#ifndef NETDX_UDPCONNECT_H
#define NETDX_UDPCONNECT_H

#define NETDX_SYS_FIELDS_ONLY
#include "netdx_sys.h"
#undef NETDX_SYS_FIELDS_ONLY

struct udpconnect_event {
	NETDX_SYS_CONNECT_FIELDS
};

#endif
