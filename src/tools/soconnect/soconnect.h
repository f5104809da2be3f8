/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* soconnect's event: one connect() call, sent at its return. The build generates soconnect.h.ts
 * from this header. */
#ifndef NETDX_SOCONNECT_H
#define NETDX_SOCONNECT_H

struct soconnect_event {
	__u8 addr[16];      /* the address asked for (IPv4 in the first 4 bytes) */
	char path[64];      /* AF_UNIX: the path asked for ('@' starts an abstract name) */
	__u64 ts_ns;        /* return, bpf_ktime_get_ns() */
	__u64 latency_ns;   /* entry to return */
	__u32 pid;
	__u32 tid;
	__u32 netns;        /* the socket's network namespace inode; 0 not a socket */
	__s32 fd;
	__s32 err;          /* 0, or the errno returned (EINPROGRESS for a non-blocking connect) */
	__u16 family;       /* the socket's */
	__u16 type;         /* SOCK_STREAM 1, SOCK_DGRAM 2, SOCK_RAW 3, ... */
	__u16 protocol;     /* IPPROTO_TCP 6, IPPROTO_UDP 17, ... */
	__u16 afamily;      /* the sockaddr's (AF_UNSPEC 0 dissolves a datagram socket's association) */
	__u16 port;         /* the port asked for */
	__u16 lport;        /* the socket's local port after the call (0 unknown) */
	char comm[16];
};

#endif
