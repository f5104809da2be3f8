/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Name lookups and DNS (gethostlatency, dnslat): the caller's network namespace, for the
 * --netns filter of programs that run in the caller's context but see no socket (uprobes on libc,
 * a query sent), and the DNS message header on the wire. */
#ifndef NETDX_DNS_H
#define NETDX_DNS_H

#include <bpf/bpf_core_read.h>
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

#endif
