/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* tcpwin's event: a TCP socket's send-side state when it receives a segment, at most one per
 * socket per sampling period. The build generates tcpwin.h.ts from this header. */
#ifndef NETDX_TCPWIN_H
#define NETDX_TCPWIN_H

struct tcpwin_event {
	__u8 saddr[16];     /* IPv4 in the first 4 bytes */
	__u8 daddr[16];
	__u64 ts_ns;        /* bpf_ktime_get_ns() */
	__u64 skaddr;       /* the socket's kernel address: one socket across events */
	__u32 pid;          /* owner (tgid) from the socket-owner cache; 0 unknown */
	__u32 netns;
	__u32 snd_cwnd;     /* congestion window, segments */
	__u32 ssthresh;     /* slow-start threshold, segments (0x7fffffff: not set) */
	__u32 snd_wnd;      /* the peer's receive window, bytes */
	__u32 srtt_us;      /* smoothed RTT, µs */
	__u32 sndbuf;       /* sk_sndbuf, bytes */
	__u32 wmem_queued;  /* sk_wmem_queued: bytes queued to send (sent or not, not yet acked) */
	__u32 packets_out;  /* segments in flight */
	__u16 data_len;     /* the received segment's payload */
	__u16 sport;
	__u16 dport;
	__u16 family;
	char comm[16];
};

#endif
