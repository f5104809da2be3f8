/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* soconnlat's aggregates: a log2 histogram of connect latency per process (or for all), failed
 * connects apart, drained by user space each interval. The build generates soconnlat.h.ts. */
#ifndef NETDX_SOCONNLAT_H
#define NETDX_SOCONNLAT_H

#define NETDX_SYS_FIELDS_ONLY
#include "netdx_sys.h"
#undef NETDX_SYS_FIELDS_ONLY

/* NETDX_SYS_HISTS(key, value) */
struct soconnlat_key { NETDX_SYS_HIST_KEY_FIELDS };
struct soconnlat_val { NETDX_SYS_HIST_VAL_FIELDS };

#endif
