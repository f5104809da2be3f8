/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Counting per network device (napi, netqtop): the device filters (--netns through the device's
 * own namespace, -I as the device's ifindex in it, set by core/kit/device.ts) and the creation of a
 * device's aggregate on its first packet of an interval. Include after netdx.h and
 * netdx_filter.h. */
#ifndef NETDX_NAPI_H
#define NETDX_NAPI_H

#include <bpf/bpf_core_read.h>

const volatile __u32 filter_ifindex = 0;       /* -I: the device's ifindex (in filter_netns) */

/* The device's namespace inode and ifindex (both 0 without a device: the backlog NAPI), false
 * when --netns or -I leave it out. */
static __always_inline bool netdx_dev_ok(struct net_device *dev, __u32 *netns, __u32 *ifindex)
{
	*netns = dev ? BPF_CORE_READ(dev, nd_net.net, ns.inum) : 0;
	*ifindex = dev ? BPF_CORE_READ(dev, ifindex) : 0;
	return (!filter_netns || *netns == filter_netns) && (!filter_ifindex || *ifindex == filter_ifindex);
}

/* A new aggregate for `key`, from `init` (the caller looked it up and found none): NULL, counted
 * as untracked in `lost`, when the map is full. Another CPU may create it first: then its. */
static __always_inline void *netdx_agg_create(void *map, const void *key, const void *init, void *lost)
{
	bpf_map_update_elem(map, key, init, BPF_NOEXIST);
	void *v = bpf_map_lookup_elem(map, key);
	if (!v)
		netdx_count(lost, NETDX_LOST_UNTRACKED);
	return v;
}

#endif
