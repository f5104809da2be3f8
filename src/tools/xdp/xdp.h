/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The contract between xdp.bpf.c and xdp/lib.ts: the xdp: tracepoints counted per event, program,
 * action, device and outcome (read and deleted by user space each interval), and one record per
 * event with --events. The build generates xdp.h.ts. */
#ifndef NETDX_XDP_TOOL_H
#define NETDX_XDP_TOOL_H

/* Which tracepoint: XDP_EV_* in bpf/include/netdx_xdp.h */
struct xdp_key {
	__u32 event;        /*  0 */
	__u32 prog_id;      /*  4: the XDP program (0: the event names none) */
	__u32 act;          /*  8: enum xdp_action as the tracepoint gives it */
	__u32 ifindex;      /* 12: the device it ran on (devmap_xmit: from) */
	__u32 target;       /* 16: to_ifindex (redirect, devmap_xmit), to_cpu or cpu (cpumap) */
	__s32 err;          /* 20: a negative errno, 0 when none */
	__u32 map_id;       /* 24: redirect and cpumap events: the map */
	__u32 netns;        /* 28: the device's network namespace inode (0: not known) */
	char dev[16];       /* 32: the device's name; sizeof == 48 */
};

struct xdp_val {
	__u64 events;       /*  0: tracepoint hits */
	__u64 sent;         /*  8: frames sent (bulk_tx, devmap_xmit) or processed (cpumap) */
	__u64 drops;        /* 16: frames dropped (bulk_tx, devmap_xmit, cpumap) */
};

/* One event (--events): the key's fields first, so one function fills both. */
struct xdp_event {
	__u32 event;        /*  0: as in xdp_key */
	__u32 prog_id;      /*  4 */
	__u32 act;          /*  8 */
	__u32 ifindex;      /* 12 */
	__u32 target;       /* 16 */
	__s32 err;          /* 20 */
	__u32 map_id;       /* 24 */
	__u32 netns;        /* 28 */
	char dev[16];       /* 32 */
	__u64 ts_ns;        /* 48: CLOCK_MONOTONIC */
	__u32 sent;         /* 56 */
	__u32 drops;        /* 60 */
	__u32 cpu;          /* 64: the CPU it ran on */
	__u32 _pad;         /* 68; sizeof == 72 */
};

#endif
