/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The contract between napi.bpf.c and napi/lib.ts: NAPI polls per device and CPU, read and
 * deleted by user space each interval. The build generates napi.h.ts. */
#ifndef NETDX_NAPI_TOOL_H
#define NETDX_NAPI_TOOL_H

struct napi_key {
	__u32 netns;        /*  0: the device's namespace inode; 0 for the backlog NAPI (no device) */
	__u32 ifindex;      /*  4: 0 for the backlog NAPI */
	__u32 cpu;          /*  8: where the poll ran */
	__u32 _pad;         /* 12; sizeof == 16 */
};

struct napi_val {
	char dev[16];       /*  0: the device's name; empty for the backlog NAPI */
	__u64 polls;        /* 16 */
	__u64 work;         /* 24: packets the polls handled */
	__u64 exhausted;    /* 32: polls whose work reached their budget (the NAPI stays scheduled) */
	__u32 budget;       /* 40: the last poll's budget (64, NAPI_POLL_WEIGHT, unless busy polling) */
	__u32 slots[27];    /* 44: log2 histogram of work per poll (struct netdx_hist) */
	__u32 _pad;         /* 152; sizeof == 160 */
};

#endif
