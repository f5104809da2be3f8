/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* tcppktlat's event: one read of a TCP socket that found data waiting, with how long the oldest
 * unread segment had waited. The build generates tcppktlat.h.ts from this header. */
#ifndef NETDX_TCPPKTLAT_H
#define NETDX_TCPPKTLAT_H

struct tcppktlat_event {
	__u64 latency_ns;   /* the first segment with data since the last read, to this read */
	__u64 ts_ns;        /* the read, bpf_ktime_get_ns() */
	__u8 saddr[16];     /* IPv4 in the first 4 bytes */
	__u8 daddr[16];
	char comm[16];      /* the reader's (process context) */
	__u32 pid;
	__u32 tid;
	__u32 netns;
	__u16 sport;
	__u16 dport;
	__u16 family;
	__u16 _pad;
};

#endif
