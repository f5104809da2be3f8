/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The contract between soprotocol.bpf.c and soprotocol/lib.ts: connect() and accept() calls per
 * (process, call, protocol), read and deleted by user space each interval. The build generates
 * soprotocol.h.ts. */
#ifndef NETDX_SOPROTOCOL_H
#define NETDX_SOPROTOCOL_H

struct soprotocol_key {
	__u32 pid;          /*  0: the calling process (tgid) */
	__u16 ipproto;      /*  4: sk_protocol (6 TCP, 17 UDP, 262 MPTCP; 0 for unix sockets) */
	__u8 accept;        /*  6: 0 connect, 1 accept (or accept4) */
	__u8 _pad;          /*  7 */
	char proto[16];     /*  8: the kernel's name of the protocol (sk->sk_prot->name): TCP, TCPv6, UDP, UNIX-STREAM, ... */
	char comm[16];      /* 24; sizeof == 40 */
};

struct soprotocol_val {
	__u64 calls;        /*  0: calls that ended in the interval */
	__u64 failed;       /*  8: those that returned an error other than EINPROGRESS */
};

#endif
