/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* soconnect's event: one connect() call, sent at its return (fields: netdx_sys.h
 * NETDX_SYS_CONNECT_FIELDS). The build generates soconnect.h.ts from this header. */
#ifndef NETDX_SOCONNECT_H
#define NETDX_SOCONNECT_H

#define NETDX_SYS_FIELDS_ONLY
#include "netdx_sys.h"
#undef NETDX_SYS_FIELDS_ONLY

struct soconnect_event {
	NETDX_SYS_CONNECT_FIELDS
};

#endif
