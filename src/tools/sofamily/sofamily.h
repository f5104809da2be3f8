/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The contract between sofamily.bpf.c and sofamily/lib.ts: connect() and accept() calls per
 * (process, call, address family), read and deleted by user space each interval. The build
 * generates sofamily.h.ts. */
#ifndef NETDX_SOFAMILY_H
#define NETDX_SOFAMILY_H

struct sofamily_key {
	__u32 pid;          /*  0: the calling process (tgid) */
	__u16 family;       /*  4: the socket's address family (AF_UNIX 1, AF_INET 2, AF_INET6 10, ...) */
	__u8 accept;        /*  6: 0 connect, 1 accept (or accept4) */
	__u8 _pad;          /*  7 */
	char comm[16];      /*  8; sizeof == 24 */
};

struct sofamily_val {
	__u64 calls;        /*  0: calls that ended in the interval */
	__u64 failed;       /*  8: those that returned an error other than EINPROGRESS */
};

#endif
