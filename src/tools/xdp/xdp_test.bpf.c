// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Test only (xdp.test.ts attaches it to a veth the test makes; netdx itself attaches no XDP
 * program): XDP_ABORTED for IPv4 UDP to abort_port, a redirect to redirect_ifindex for UDP to
 * redirect_port, XDP_PASS for everything else. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#define ETH_P_IP 0x0800
#define IPPROTO_UDP_ 17

const volatile __u16 abort_port = 0;
const volatile __u16 redirect_port = 0;
const volatile __u32 redirect_ifindex = 0;

SEC("xdp")
int netdx_xdp_test(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	if ((void *)(eth + 1) > end || eth->h_proto != bpf_htons(ETH_P_IP))
		return XDP_PASS;
	struct iphdr *ip = (void *)(eth + 1);
	if ((void *)(ip + 1) > end || ip->protocol != IPPROTO_UDP_ || ip->ihl != 5)
		return XDP_PASS;
	struct udphdr *udp = (void *)(ip + 1);
	if ((void *)(udp + 1) > end)
		return XDP_PASS;
	if (udp->dest == bpf_htons(abort_port))
		return XDP_ABORTED;
	if (redirect_port && udp->dest == bpf_htons(redirect_port))
		return bpf_redirect(redirect_ifindex, 0);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
