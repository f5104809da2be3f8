/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The contract between ieee80211scan.bpf.c and ieee80211scan/lib.ts: one record per WiFi scan
 * that ended. The build generates ieee80211scan.h.ts. */
#ifndef NETDX_IEEE80211SCAN_H
#define NETDX_IEEE80211SCAN_H

struct ieee80211scan_event {
	__u64 ts_ns;        /*  0: when it ended, CLOCK_MONOTONIC */
	__u64 dur_ns;       /*  8: from the scan request (rdev_scan) to its end (cfg80211_scan_done) */
	__u32 pid;          /* 16: who asked for it (rdev_scan runs in the requester's context) */
	__u32 n_channels;   /* 20: channels scanned (cfg80211_scan_done's first field) */
	char comm[16];      /* 24 */
	char wiphy[32];     /* 40: the radio (phy0, ...); sizeof == 72 */
};

/* The scan in progress (one at a time: see ieee80211scan.bpf.c) */
struct ieee80211scan_start {
	__u64 ts_ns;        /*  0 */
	__u32 pid;          /*  8 */
	__u32 _pad;         /* 12 */
	char comm[16];      /* 16 */
	char wiphy[32];     /* 32; sizeof == 64 */
};

#endif
