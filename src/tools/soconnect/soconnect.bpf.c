// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* soconnect: every connect() call, any family and protocol, blocking or not, with its address,
 * latency and result, on the syscall tracepoints sys_enter_connect/sys_exit_connect (as BCC's
 * and bpftrace's soconnect; no kprobe). The entry reads the sockaddr and the socket behind the
 * fd (netdx_sys.h); the exit, in the same thread, sends the event with the local port the
 * call chose. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "netdx.h"
#include "netdx_filter.h"
#include "netdx_sys.h"
#include "soconnect.h"

NETDX_SYS_EVENT_MAPS(soconnect_event);

/* every socket, and calls on fds that are none */
#define any_sock(sk) true

/* soconnect_enter_connect, soconnect_exit_connect */
NETDX_SYS_CONNECT_PROGRAMS(soconnect, soconnect_event, any_sock)

char LICENSE[] SEC("license") = "Dual BSD/GPL";
