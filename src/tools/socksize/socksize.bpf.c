// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* socksize: the size of each socket send and receive, as log2 histograms per process and
 * direction aggregated in the kernel (like the BPF book's socksize.bt, on tracepoints instead of
 * kprobes on sock_sendmsg/sock_recvmsg). The entry programs are netdx_sockio.h's: they run in
 * the calling process. Failed calls and peeks (MSG_PEEK) move nothing and are not counted; a
 * receive of 0 bytes (the peer's end of stream, an empty datagram) is. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "netdx.h"
#include "netdx_filter.h"
#include "netdx_sockio.h"
#include "socksize.h"

_Static_assert(sizeof(((struct socksize_val *)0)->slots) == sizeof(struct netdx_hist),
	       "socksize_val.slots is a struct netdx_hist");

NETDX_AGGREGATE_MAP(sizes, socksize_key, socksize_val, 8192);

static __always_inline int count(const struct netdx_sockio *c, bool direct)
{
	if (c->ret < 0 || (c->ret > 0 && !c->bytes))
		return 0;
	struct socksize_key key = { .pid = bpf_get_current_pid_tgid() >> 32, .recv = c->recv };
	struct socksize_val *v = NETDX_AGG_GET_NAMED(&sizes, &key, socksize_val);
	if (!v)
		return 0;
	__sync_fetch_and_add(&v->calls, 1);
	__sync_fetch_and_add(&v->bytes, c->bytes);
	netdx_hist_add((struct netdx_hist *)v->slots, c->bytes);
	return 0;
}

NETDX_SOCKIO_PROGRAMS(socksize, count)

char LICENSE[] SEC("license") = "Dual BSD/GPL";
