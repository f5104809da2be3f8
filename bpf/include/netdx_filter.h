/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The filters every netdx BPF tool shares, as read-only config set by user space before load
 * (core/kit/filter.ts fills the ones an object declares). Zero means "no filter". Filters run in
 * the kernel, at the first sight of a socket where possible, so that what the user did not ask
 * for costs a comparison, not an event. */
#ifndef NETDX_FILTER_H
#define NETDX_FILTER_H

#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>

#define NETDX_MAX_PORTS 8

const volatile __u32 filter_tgid = 0;          /* process (thread group) id */
const volatile char filter_comm[16] = {};      /* process name as in /proc/PID/comm ("" = any) */
const volatile __u16 filter_family = 0;        /* AF_INET or AF_INET6 */
const volatile __u32 filter_netns = 0;         /* network namespace inode (ls -i /run/netns/X) */
const volatile __u64 filter_cgroup = 0;        /* cgroup v2 id: process context only */
const volatile __u32 filter_n_lports = 0;
const volatile __u16 filter_lports[NETDX_MAX_PORTS] = {};
const volatile __u32 filter_n_rports = 0;
const volatile __u16 filter_rports[NETDX_MAX_PORTS] = {};

static __always_inline bool netdx_port_in(__u16 port, const volatile __u16 *list, __u32 n)
{
	for (int i = 0; i < NETDX_MAX_PORTS; i++) {
		if (i >= n)
			break;
		if (list[i] == port)
			return true;
	}
	return false;
}

static __always_inline bool netdx_lport_ok(__u16 port)
{
	return !filter_n_lports || netdx_port_in(port, filter_lports, filter_n_lports);
}

static __always_inline bool netdx_rport_ok(__u16 port)
{
	return !filter_n_rports || netdx_port_in(port, filter_rports, filter_n_rports);
}

static __always_inline bool netdx_family_ok(__u16 family)
{
	return !filter_family || family == filter_family;
}

static __always_inline __u32 netdx_sk_netns(struct sock *sk)
{
	return BPF_CORE_READ(sk, __sk_common.skc_net.net, ns.inum);
}

static __always_inline bool netdx_netns_ok(struct sock *sk)
{
	return !filter_netns || netdx_sk_netns(sk) == filter_netns;
}

/* A process filter (-p or --comm) is set: hooks that see a socket's owner only through a cache
 * must then skip sockets whose owner is not known yet. */
static __always_inline bool netdx_proc_filtered(void)
{
	return filter_tgid || filter_comm[0];
}

/* comm (TASK_COMM_LEN bytes, NUL-terminated) is the --comm name. */
static __always_inline bool netdx_comm_ok(const char *comm)
{
	if (!filter_comm[0])
		return true;
	for (int i = 0; i < 16; i++) {
		if (comm[i] != filter_comm[i])
			return false;
		if (!comm[i])
			break;
	}
	return true;
}

/* A process (tgid and comm, e.g. a socket's cached owner) passes -p and --comm. */
static __always_inline bool netdx_proc_ok(__u32 tgid, const char *comm)
{
	return (!filter_tgid || tgid == filter_tgid) && netdx_comm_ok(comm);
}

/* The current task passes the process, name and cgroup filters (process context only). */
static __always_inline bool netdx_task_ok(void)
{
	if (filter_tgid && (bpf_get_current_pid_tgid() >> 32) != filter_tgid)
		return false;
	if (filter_comm[0]) {
		char comm[16];
		if (bpf_get_current_comm(comm, sizeof(comm)) || !netdx_comm_ok(comm))
			return false;
	}
	if (filter_cgroup && bpf_get_current_cgroup_id() != filter_cgroup)
		return false;
	return true;
}

/* The network namespace inode of the current task: --netns where no socket is at hand (a
 * syscall's entry, a uprobe). Process context only. */
static __always_inline __u32 netdx_task_netns(void)
{
	struct task_struct *t = (struct task_struct *)bpf_get_current_task();
	return BPF_CORE_READ(t, nsproxy, net_ns, ns.inum);
}

static __always_inline bool netdx_task_netns_ok(void)
{
	return !filter_netns || netdx_task_netns() == filter_netns;
}

/* Local port (host order). inet_num is zeroed by inet_put_port() before TCP's CLOSE state is
 * set, but inet_sport (network order) survives, as the tracepoint's own sport field shows. */
static __always_inline __u16 netdx_sk_lport(struct sock *sk)
{
	return bpf_ntohs(BPF_CORE_READ((struct inet_sock *)sk, inet_sport));
}

static __always_inline __u16 netdx_sk_rport(struct sock *sk)
{
	return bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
}

/* The socket-level filters: namespace, family and both ports. */
static __always_inline bool netdx_sk_ok(struct sock *sk)
{
	return netdx_netns_ok(sk) && netdx_family_ok(BPF_CORE_READ(sk, __sk_common.skc_family)) &&
	       netdx_lport_ok(netdx_sk_lport(sk)) && netdx_rport_ok(netdx_sk_rport(sk));
}

/* Both addresses of a socket into 16-byte buffers (IPv4 in the first 4 bytes, the rest zero). */
static __always_inline void netdx_sk_addrs(struct sock *sk, __u16 family, __u8 *saddr, __u8 *daddr)
{
	if (family == AF_INET) {
		__builtin_memset(saddr, 0, 16);
		__builtin_memset(daddr, 0, 16);
		BPF_CORE_READ_INTO((__u32 *)saddr, sk, __sk_common.skc_rcv_saddr);
		BPF_CORE_READ_INTO((__u32 *)daddr, sk, __sk_common.skc_daddr);
	} else {
		bpf_core_read(saddr, 16, &sk->__sk_common.skc_v6_rcv_saddr);
		bpf_core_read(daddr, 16, &sk->__sk_common.skc_v6_daddr);
	}
}

/* netdx_sk_addrs(), with plain loads when `direct` (a constant; sk a BTF pointer: tp_btf). The
 * IPv6 addresses are read a word at a time: a load must lie within one member for the verifier. */
static __always_inline void netdx_sk_addrs_d(struct sock *sk, __u16 family, __u8 *saddr, __u8 *daddr, bool direct)
{
	if (!direct) {
		netdx_sk_addrs(sk, family, saddr, daddr);
		return;
	}
	__u32 *s = (__u32 *)saddr, *d = (__u32 *)daddr;
	if (family == AF_INET) {
		__builtin_memset(saddr, 0, 16);
		__builtin_memset(daddr, 0, 16);
		s[0] = sk->__sk_common.skc_rcv_saddr;
		d[0] = sk->__sk_common.skc_daddr;
	} else {
		for (int i = 0; i < 4; i++) {
			s[i] = sk->__sk_common.skc_v6_rcv_saddr.in6_u.u6_addr32[i];
			d[i] = sk->__sk_common.skc_v6_daddr.in6_u.u6_addr32[i];
		}
	}
}

#endif
