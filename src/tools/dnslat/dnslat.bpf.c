// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* dnslat: DNS queries this host sends over UDP and the answers it receives, matched on the wire:
 * a query (QR 0, to a DNS port) handed to a device, on net:net_dev_queue, in the sender's context
 * (its process and the question are kept, keyed by namespace, client address and port and DNS id);
 * an answer (QR 1, from a DNS port) a device delivers, on net:netif_receive_skb, sends one event
 * with the latency and the answer's flags and rcode. Queries received and answers sent are not
 * looked at, so a query over loopback (out and in on lo) counts once, and a resolver on this host
 * only for the queries it sends upstream itself. A query this host forwards (a router, a NAT in
 * front of containers) counts too, with no process. Resolvers that do not use libc (Go, c-ares,
 * systemd-resolved, dig) are seen as well as libc's. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_endian.h>
#include "netdx.h"
#include "netdx_filter.h"
#include "netdx_listen.h"
#include "netdx_dns.h"
#include "dnslat.h"

/* Queries waiting for their answer; the oldest unanswered go first when it fills. */
NETDX_MAP(pending, BPF_MAP_TYPE_LRU_HASH, struct dnslat_key, struct dnslat_query, 16384);
/* A query under construction (too big for the stack beside the packet's fields). */
NETDX_MAP(scratch, BPF_MAP_TYPE_PERCPU_ARRAY, __u32, struct dnslat_query, 1);

NETDX_DNS_EVENTS(dnslat_event);
NETDX_EXPORT(dnslat_key);
NETDX_EXPORT(dnslat_query);

/* A DNS message of a packet: its ends, family, and where the DNS header is. */
struct dns_pkt {
	__u8 saddr[16];
	__u8 daddr[16];
	__u16 family;
	__u16 sport;
	__u16 dport;
	__u16 udp_len;
	unsigned char *dns;
	unsigned char *end; /* the end of the skb's linear data */
	__u32 netns;
};

/* The UDP datagram at the IP header `ip`: false when it is not one (or a later fragment). */
static __always_inline bool parse(struct sk_buff *skb, unsigned char *ip, struct dns_pkt *p)
{
	__u16 proto = bpf_ntohs(BPF_CORE_READ(skb, protocol));
	unsigned char *udp;
	if (proto == 0x0800) {
		__u8 h[20];
		if (bpf_probe_read_kernel(h, sizeof(h), ip) || (h[0] >> 4) != 4 || h[9] != IPPROTO_UDP)
			return false;
		if (((h[6] << 8) | h[7]) & 0x1fff) /* not the first fragment */
			return false;
		p->family = AF_INET;
		__builtin_memset(p->saddr, 0, 16);
		__builtin_memset(p->daddr, 0, 16);
		__builtin_memcpy(p->saddr, &h[12], 4);
		__builtin_memcpy(p->daddr, &h[16], 4);
		udp = ip + (h[0] & 0xf) * 4;
	} else if (proto == 0x86DD) {
		__u8 h[40];
		if (bpf_probe_read_kernel(h, sizeof(h), ip) || h[6] != IPPROTO_UDP)
			return false;
		p->family = AF_INET6;
		__builtin_memcpy(p->saddr, &h[8], 16);
		__builtin_memcpy(p->daddr, &h[24], 16);
		udp = ip + 40;
	} else {
		return false;
	}
	if (!netdx_family_ok(p->family))
		return false;
	__u16 u[4];
	if (bpf_probe_read_kernel(u, sizeof(u), udp))
		return false;
	p->sport = bpf_ntohs(u[0]);
	p->dport = bpf_ntohs(u[1]);
	p->udp_len = bpf_ntohs(u[2]);
	p->dns = udp + 8;
	p->end = BPF_CORE_READ(skb, head) + BPF_CORE_READ(skb, tail);
	return p->udp_len >= 8 + 12;
}

/* A DNS server's port: 53, or the -D list. */
static __always_inline bool dns_port(__u16 port)
{
	return filter_n_rports ? netdx_rport_ok(port) : port == 53;
}

static __always_inline __u32 dev_netns(struct sk_buff *skb)
{
	return BPF_CORE_READ(skb, dev, nd_net.net, ns.inum);
}

/* A packet handed to a device: skb->data is at the link-layer header, network_header is set. */
static __always_inline int on_tx(struct sk_buff *skb)
{
	struct dns_pkt p;
	unsigned char *ip = BPF_CORE_READ(skb, head) + BPF_CORE_READ(skb, network_header);
	if (!parse(skb, ip, &p) || !dns_port(p.dport) || !netdx_lport_ok(p.sport))
		return 0;
	__u16 hdr[6];
	if (p.dns + sizeof(hdr) > p.end || bpf_probe_read_kernel(hdr, sizeof(hdr), p.dns))
		return 0;
	if (bpf_ntohs(hdr[1]) & 0x8000) /* an answer */
		return 0;
	p.netns = dev_netns(skb);
	if (filter_netns && p.netns != filter_netns)
		return 0;
	/* A datagram of a local socket is handed to the device in its sender's context; one without a
	 * socket is forwarded (a router's, a NAT's), in a softirq whose task is anyone's. So is a local
	 * one that waited for its neighbour (the first to an address not resolved yet, sent when the
	 * answer comes): a task of another namespace is surely not its sender, and the query is then
	 * kept without a process. */
	bool local = BPF_CORE_READ(skb, sk) != NULL && netdx_task_netns() == p.netns;
	if (local ? !netdx_task_ok() : filter_tgid || filter_cgroup)
		return 0;

	struct dnslat_key k = { .netns = p.netns, .id = bpf_ntohs(hdr[0]), .cport = p.sport };
	__builtin_memcpy(k.caddr, p.saddr, 16);
	struct dnslat_query *seen = bpf_map_lookup_elem(&pending, &k);
	if (seen) { /* sent again: the latency counts from the first */
		seen->tries++;
		return 0;
	}
	__u32 zero = 0;
	struct dnslat_query *q = bpf_map_lookup_elem(&scratch, &zero);
	if (!q)
		return 0;
	__u64 id = local ? bpf_get_current_pid_tgid() : 0;
	q->ts = bpf_ktime_get_ns();
	q->pid = id >> 32;
	q->tid = (__u32)id;
	q->tries = 1;
	q->_pad = 0;
	__builtin_memset(q->comm, 0, sizeof(q->comm));
	if (local)
		bpf_get_current_comm(q->comm, sizeof(q->comm));
	/* the question: what the datagram and the linear data hold of it, at most DNSLAT_QNAME_LEN */
	unsigned char *qs = p.dns + 12;
	long n = p.udp_len - 8 - 12;
	long lin = p.end - qs;
	if (lin < n)
		n = lin;
	if (n > DNSLAT_QNAME_LEN)
		n = DNSLAT_QNAME_LEN;
	__builtin_memset(q->qname, 0, sizeof(q->qname));
	__u32 len = n > 0 ? n : 0;
	q->qlen = len;
	if (len > 0 && len <= DNSLAT_QNAME_LEN)
		bpf_probe_read_kernel(q->qname, len, qs);
	/* BPF_NOEXIST: another CPU may have sent it meanwhile */
	bpf_map_update_elem(&pending, &k, q, BPF_NOEXIST);
	return 0;
}

/* A packet a device delivers: skb->data is at the network header. */
static __always_inline int on_rx(struct sk_buff *skb)
{
	struct dns_pkt p;
	if (!parse(skb, BPF_CORE_READ(skb, data), &p) || !dns_port(p.sport))
		return 0;
	__u16 hdr[6];
	if (p.dns + sizeof(hdr) > p.end || bpf_probe_read_kernel(hdr, sizeof(hdr), p.dns))
		return 0;
	__u16 flags = bpf_ntohs(hdr[1]);
	if (!(flags & 0x8000)) /* a query */
		return 0;
	struct dnslat_key k = { .netns = dev_netns(skb), .id = bpf_ntohs(hdr[0]), .cport = p.dport };
	__builtin_memcpy(k.caddr, p.daddr, 16);
	struct dnslat_query *q = bpf_map_lookup_elem(&pending, &k);
	if (!q)
		return 0;
	struct dnslat_event *e = netdx_reserve(&events, &lost, struct dnslat_event);
	if (!e) {
		bpf_map_delete_elem(&pending, &k);
		return 0;
	}
	e->ts_ns = bpf_ktime_get_ns();
	e->latency_ns = e->ts_ns - q->ts;
	e->pid = q->pid;
	e->tid = q->tid;
	e->netns = k.netns;
	e->family = p.family;
	e->id = k.id;
	e->cport = k.cport;
	e->sport = p.sport;
	e->flags = flags;
	e->ancount = bpf_ntohs(hdr[3]);
	e->qlen = q->qlen;
	e->tries = q->tries;
	__builtin_memcpy(e->caddr, p.daddr, 16);
	__builtin_memcpy(e->saddr, p.saddr, 16);
	__builtin_memcpy(e->comm, q->comm, sizeof(e->comm));
	__builtin_memcpy(e->qname, q->qname, sizeof(e->qname));
	bpf_map_delete_elem(&pending, &k);
	bpf_ringbuf_submit(e, BPF_RB_NO_WAKEUP);
	return 0;
}

/* dnslat_tx_raw, dnslat_tx_tp, dnslat_tx_btf; dnslat_rx_* */
NETDX_NET_DEV_PROGRAMS(dnslat_tx, net_dev_queue, on_tx)
NETDX_NET_DEV_PROGRAMS(dnslat_rx, netif_receive_skb, on_rx)

char LICENSE[] SEC("license") = "Dual BSD/GPL";
