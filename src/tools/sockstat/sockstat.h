/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The contract between sockstat.bpf.c and sockstat/lib.ts: the kinds of socket calls, the keys
 * (__u32) of the counts map (values: __u64 calls), read and deleted by user space each interval.
 * lib.ts's KINDS names them in this order. */
#ifndef NETDX_SOCKSTAT_H
#define NETDX_SOCKSTAT_H

#define SOCKSTAT_SOCKET 0   /* socket() of an AF_INET or AF_INET6 socket */
#define SOCKSTAT_BIND 1     /* bind() */
#define SOCKSTAT_LISTEN 2   /* listen() */
#define SOCKSTAT_CONNECT 3  /* connect() */
#define SOCKSTAT_ACCEPT 4   /* accept() and accept4() */
#define SOCKSTAT_SEND 5     /* each sock_sendmsg(): send, write, sendmsg, each message of sendmmsg */
#define SOCKSTAT_RECV 6     /* each sock_recvmsg() */
#define SOCKSTAT_KINDS 7

#endif
