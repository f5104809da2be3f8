/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Name lookups and DNS (gethostlatency, dnslat): the caller's network namespace, for the
 * --netns filter of programs that run in the caller's context but see no socket (uprobes on
 * libc), and the maps of their events. */
#ifndef NETDX_DNS_H
#define NETDX_DNS_H

#include <bpf/bpf_core_read.h>
#include "netdx.h"
#include "netdx_filter.h"

/* The network namespace inode of the current task. */
static __always_inline __u32 netdx_task_netns(void)
{
	struct task_struct *t = (struct task_struct *)bpf_get_current_task();
	return BPF_CORE_READ(t, nsproxy, net_ns, ns.inum);
}

static __always_inline bool netdx_task_netns_ok(void)
{
	return !filter_netns || netdx_task_netns() == filter_netns;
}

/* What both tools send: one record per lookup or answer (of struct T) through a 1 MiB ring
 * `events`, the netdx.h lost counters `lost`, and T kept in the object's BTF. */
#define NETDX_DNS_EVENTS(T)                                                                       \
	struct { __uint(type, BPF_MAP_TYPE_RINGBUF); __uint(max_entries, 1 << 20); } events SEC(".maps"); \
	NETDX_LOST_MAP(lost);                                                                     \
	NETDX_EXPORT(T)

#endif
