/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The contract between socketio.bpf.c and socketio/lib.ts: one aggregate per (process, direction,
 * protocol, local port, remote port), read and deleted by user space each interval. The build
 * generates socketio.h.ts. */
#ifndef NETDX_SOCKETIO_H
#define NETDX_SOCKETIO_H

struct socketio_key {
	__u32 pid;          /*  0: the calling process (tgid) */
	__u16 lport;        /*  4 */
	__u16 rport;        /*  6: 0 for an unconnected UDP socket */
	__u8 recv;          /*  8: 0 send, 1 receive */
	__u8 protocol;      /*  9: 6 TCP, 17 UDP */
	__u16 _pad;         /* 10; sizeof == 12 */
};

struct socketio_val {
	__u64 calls;        /*  0: calls, failed ones included */
	__u64 bytes;        /*  8: bytes moved */
	__u64 errors;       /* 16: calls that returned an error (EAGAIN included) */
	char comm[16];      /* 24: the process's name at its first call of the interval; sizeof == 40 */
};

#endif
