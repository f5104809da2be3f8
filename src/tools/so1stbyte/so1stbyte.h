/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* so1stbyte's aggregates: a log2 histogram of the time from connect() to the first byte read, per
 * process (or for all), connections that ended first apart, drained by user space each
 * interval. The build generates so1stbyte.h.ts. */
#ifndef NETDX_SO1STBYTE_H
#define NETDX_SO1STBYTE_H

#define NETDX_SYS_FIELDS_ONLY
#include "netdx_sys.h"
#undef NETDX_SYS_FIELDS_ONLY

/* NETDX_SYS_HISTS(key, value) */
struct so1stbyte_key { NETDX_SYS_HIST_KEY_FIELDS };
struct so1stbyte_val { NETDX_SYS_HIST_VAL_FIELDS };

#endif
