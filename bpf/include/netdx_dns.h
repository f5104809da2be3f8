/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Name lookups and DNS (gethostlatency, dnslat): the maps of their events. (The caller's network
 * namespace, for --netns where no socket is at hand, is netdx_filter.h's netdx_task_netns.) */
#ifndef NETDX_DNS_H
#define NETDX_DNS_H

#include <bpf/bpf_core_read.h>
#include "netdx.h"
#include "netdx_filter.h"

/* What both tools send: one record per lookup or answer (of struct T) through a 1 MiB ring
 * `events`, the netdx.h lost counters `lost`, and T kept in the object's BTF. */
#define NETDX_DNS_EVENTS(T)                                                                       \
	struct { __uint(type, BPF_MAP_TYPE_RINGBUF); __uint(max_entries, 1 << 20); } events SEC(".maps"); \
	NETDX_LOST_MAP(lost);                                                                     \
	NETDX_EXPORT(T)

#endif
