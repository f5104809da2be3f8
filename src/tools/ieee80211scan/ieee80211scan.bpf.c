// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* ieee80211scan: each WiFi scan, from its request (cfg80211:rdev_scan, in the requesting process:
 * its PID and the radio's name) to its end (cfg80211:cfg80211_scan_done: channels scanned), as
 * one record. Classic tracepoints: their records have fixed layouts (the fields read here are the
 * first of each), and need no type of the cfg80211 module, which vmlinux.h may lack.
 *
 * One scan at a time is followed (cfg80211 runs one per radio): on a host with several radios
 * scanning at once, an end pairs with the latest request. Not verified on a wireless device (the
 * build machine has none, nor the cfg80211 tracepoints). */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "netdx.h"
#include "netdx_filter.h"
#include "netdx_listen.h"
#include "ieee80211scan.h"

/* include/trace/events (net/wireless/trace.h): the common header, then WIPHY_ENTRY */
struct rdev_scan_record {
	__u64 common;
	char wiphy_name[32];
};

/* net/wireless/trace.h: the common header, then n_channels first */
struct scan_done_record {
	__u64 common;
	__u32 n_channels;
};

NETDX_MAP(pending, BPF_MAP_TYPE_ARRAY, __u32, struct ieee80211scan_start, 1);
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 64 << 10);
} events SEC(".maps");
NETDX_LOST_MAP(lost);
NETDX_EXPORT(ieee80211scan_event);
NETDX_EXPORT(ieee80211scan_start);

SEC("tracepoint/cfg80211/rdev_scan")
int ieee80211scan_start_tp(struct rdev_scan_record *ctx)
{
	__u32 zero = 0;
	struct ieee80211scan_start *s = bpf_map_lookup_elem(&pending, &zero);
	if (!s)
		return 0;
	if (!netdx_task_ok()) {
		s->ts_ns = 0;
		return 0;
	}
	s->pid = bpf_get_current_pid_tgid() >> 32;
	bpf_get_current_comm(s->comm, sizeof(s->comm));
	bpf_probe_read_kernel_str(s->wiphy, sizeof(s->wiphy), ctx->wiphy_name);
	s->ts_ns = bpf_ktime_get_ns();
	return 0;
}

SEC("tracepoint/cfg80211/cfg80211_scan_done")
int ieee80211scan_done_tp(struct scan_done_record *ctx)
{
	__u32 zero = 0;
	struct ieee80211scan_start *s = bpf_map_lookup_elem(&pending, &zero);
	if (!s || !s->ts_ns)
		return 0;
	struct ieee80211scan_event *e = netdx_reserve(&events, &lost, struct ieee80211scan_event);
	if (e) {
		e->ts_ns = bpf_ktime_get_ns();
		e->dur_ns = e->ts_ns - s->ts_ns;
		e->pid = s->pid;
		e->n_channels = ctx->n_channels;
		__builtin_memcpy(e->comm, s->comm, sizeof(e->comm));
		__builtin_memcpy(e->wiphy, s->wiphy, sizeof(e->wiphy));
		bpf_ringbuf_submit(e, BPF_RB_NO_WAKEUP);
	}
	s->ts_ns = 0;
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
