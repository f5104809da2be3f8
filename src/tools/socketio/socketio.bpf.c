// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* socketio: socket I/O calls and bytes per process, direction, protocol and ports, aggregated in
 * the kernel (like the BPF book's socketio.bt, on tracepoints instead of kprobes on
 * sock_sendmsg/sock_recvmsg). The entry programs are netdx_sockio.h's: they run in the calling
 * process, which is the key's PID. User space drains the aggregates every interval. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "netdx.h"
#include "netdx_filter.h"
#include "netdx_sockio.h"
#include "socketio.h"

NETDX_AGGREGATE_MAP(io, socketio_key, socketio_val, 16384);

static __always_inline int count(const struct netdx_sockio *c, bool direct)
{
	struct socketio_key key = {
		.pid = bpf_get_current_pid_tgid() >> 32,
		.lport = c->lport, .rport = c->rport, .recv = c->recv, .protocol = c->protocol,
	};
	struct socketio_val *v = NETDX_AGG_GET_NAMED(&io, &key, socketio_val);
	if (!v)
		return 0;
	__sync_fetch_and_add(&v->calls, 1);
	__sync_fetch_and_add(&v->bytes, c->bytes);
	if (c->ret < 0)
		__sync_fetch_and_add(&v->errors, 1);
	return 0;
}

NETDX_SOCKIO_PROGRAMS(socketio, count)

char LICENSE[] SEC("license") = "Dual BSD/GPL";
