/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* ICMP and ICMPv6 echo messages (ping's requests and replies) in a packet at the device
 * tracepoints (net:net_dev_queue, net:netif_receive_skb; netdx_listen.h NETDX_NET_DEV_PROGRAMS),
 * parsed from the IP header: the IPv4 header's length from its IHL field (options included),
 * IPv6 extension headers walked (four at most), never skb->transport_header, which a packet on
 * its way out may not have set for the device. Fragments after the first carry no ICMP header and
 * are not echoes here. */
#ifndef NETDX_ICMP_H
#define NETDX_ICMP_H

#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include "netdx.h"

#define NETDX_ETH_P_IP 0x0800
#define NETDX_ETH_P_IPV6 0x86DD
#define NETDX_IPPROTO_ICMP 1
#define NETDX_IPPROTO_ICMPV6 58

/* An echo request or reply, addresses as in the packet (IPv4 in the first 4 bytes). */
struct netdx_icmp_echo {
	__u8 saddr[16];
	__u8 daddr[16];
	__u16 family;   /* AF_INET, AF_INET6 */
	__u16 id;       /* the echo's identifier, host order */
	__u16 seq;      /* its sequence number, host order */
	__u8 request;   /* 1: echo request (ICMP 8, ICMPv6 128); 0: echo reply (ICMP 0, ICMPv6 129) */
	__u8 ttl;       /* the IPv4 TTL or IPv6 hop limit the packet carries */
};

/* skb's IP family from its protocol: AF_INET, AF_INET6, or 0 for any other packet. */
static __always_inline __u16 netdx_skb_family(struct sk_buff *skb)
{
	__u16 proto = bpf_ntohs(BPF_CORE_READ(skb, protocol));
	return proto == NETDX_ETH_P_IP ? AF_INET : proto == NETDX_ETH_P_IPV6 ? AF_INET6 : 0;
}

/* The IP header of a packet handed to a device (net_dev_queue): skb->data is its link-layer
 * header there, the IP layer set network_header. */
static __always_inline unsigned char *netdx_skb_tx_ip(struct sk_buff *skb)
{
	return BPF_CORE_READ(skb, head) + BPF_CORE_READ(skb, network_header);
}

/* The IP header of a packet a device delivers (netif_receive_skb): skb->data, where the driver's
 * eth_type_trans() left it (network_header is reset only after the tracepoint). */
static __always_inline unsigned char *netdx_skb_rx_ip(struct sk_buff *skb)
{
	return BPF_CORE_READ(skb, data);
}

/* The ICMP header at `icmp`: an echo request (request_type) or reply (reply_type) of code 0. */
static __always_inline bool netdx_icmp_echo_hdr(unsigned char *icmp, __u8 request_type, __u8 reply_type,
						struct netdx_icmp_echo *e)
{
	__u8 h[8];
	if (bpf_probe_read_kernel(h, sizeof(h), icmp) || h[1] != 0 || (h[0] != request_type && h[0] != reply_type))
		return false;
	e->request = h[0] == request_type;
	e->id = (__u16)h[4] << 8 | h[5];
	e->seq = (__u16)h[6] << 8 | h[7];
	return true;
}

static __always_inline bool netdx_icmp4_echo(unsigned char *ip, struct netdx_icmp_echo *e)
{
	__u8 h[20];
	if (bpf_probe_read_kernel(h, sizeof(h), ip) || h[0] >> 4 != 4 || h[9] != NETDX_IPPROTO_ICMP)
		return false;
	/* a fragment after the first (offset != 0) has no ICMP header */
	if (((__u16)h[6] << 8 | h[7]) & 0x1fff)
		return false;
	__u32 ihl = (h[0] & 0xf) * 4;
	if (ihl < 20 || !netdx_icmp_echo_hdr(ip + ihl, 8, 0, e))
		return false;
	/* TTL at 8, source at 12, destination at 16 */
	e->family = AF_INET;
	e->ttl = h[8];
	__builtin_memcpy(e->saddr, h + 12, 4);
	__builtin_memcpy(e->daddr, h + 16, 4);
	return true;
}

static __always_inline bool netdx_icmp6_echo(unsigned char *ip, struct netdx_icmp_echo *e)
{
	__u8 h[40];
	if (bpf_probe_read_kernel(h, sizeof(h), ip) || h[0] >> 4 != 6)
		return false;
	__u8 next = h[6];
	__u32 off = 40;
	/* hop-by-hop options 0, routing 43, destination options 60: (length + 1) * 8 bytes; a
	 * fragment header 44: 8 bytes, and only the first fragment holds the ICMPv6 header (a bounded
	 * loop: the verifier follows it) */
	for (int i = 0; i < 4; i++) {
		if (next == NETDX_IPPROTO_ICMPV6)
			break;
		__u8 x[4];
		if (bpf_probe_read_kernel(x, sizeof(x), ip + off))
			return false;
		if (next == 0 || next == 43 || next == 60) {
			off += ((__u32)x[1] + 1) * 8;
		} else if (next == 44) {
			if (((__u16)x[2] << 8 | x[3]) & 0xfff8)
				return false;
			off += 8;
		} else {
			return false;
		}
		next = x[0];
	}
	if (next != NETDX_IPPROTO_ICMPV6)
		return false;
	/* hop limit at 7, source at 8, destination at 24 */
	e->ttl = h[7];
	__builtin_memcpy(e->saddr, h + 8, 16);
	__builtin_memcpy(e->daddr, h + 24, 16);
	e->family = AF_INET6;
	return netdx_icmp_echo_hdr(ip + off, 128, 129, e);
}

/* The echo request or reply in the IP packet at `ip` of `family`: true, with e filled, when the
 * packet is one. */
static __always_inline bool netdx_icmp_echo(unsigned char *ip, __u16 family, struct netdx_icmp_echo *e)
{
	return family == AF_INET ? netdx_icmp4_echo(ip, e) : family == AF_INET6 && netdx_icmp6_echo(ip, e);
}

#endif
