/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* soaccept's event: one accept() or accept4() call, sent at its return. The build generates
 * soaccept.h.ts from this header. */
#ifndef NETDX_SOACCEPT_H
#define NETDX_SOACCEPT_H

struct soaccept_event {
	__u8 laddr[16];     /* the new socket's local address (IPv4 in the first 4 bytes) */
	__u8 raddr[16];     /* its peer */
	__u64 ts_ns;        /* return, bpf_ktime_get_ns() */
	__u64 latency_ns;   /* entry to return: the time the caller waited */
	__u32 pid;
	__u32 tid;
	__u32 netns;        /* the listener's network namespace inode; 0 not a socket */
	__s32 fd;           /* the listener's fd */
	__s32 err;          /* 0, or the errno returned (EAGAIN: non-blocking, nothing pending) */
	__s32 newfd;        /* the accepted socket's fd; -1 on failure */
	__u32 qlen;         /* the listener's accept queue after this call (sk_ack_backlog) */
	__u32 qmax;         /* its limit (sk_max_ack_backlog) */
	__u16 family;       /* the listener's */
	__u16 type;
	__u16 protocol;
	__u16 lport;        /* the listener's port */
	__u16 rport;        /* the peer's port */
	__u16 _pad;
	char comm[16];
};

#endif
