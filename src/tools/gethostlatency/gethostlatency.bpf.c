// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* gethostlatency: name lookups through libc with their latency and result, on uprobes at the
 * entry and return of getaddrinfo, gethostbyname, gethostbyname2, gethostbyname_r and
 * gethostbyname2_r of the libc the traced processes map (user space says which file: see
 * core/proc/libc.ts). The name is read at entry. A lookup that calls another of these functions
 * (gethostbyname calls gethostbyname_r, say) is one lookup: per thread, a depth counts the nested
 * calls and the outermost return sends the event; a nested _r call gives its h_errno pointer
 * (gethostbyname's is the thread's h_errno), read at the end. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "netdx.h"
#include "netdx_filter.h"
#include "netdx_listen.h"
#include "netdx_dns.h"
#include "gethostlatency.h"

struct call {
	__u64 start;
	__u32 tgid;
	__u32 _pad;
	__u64 resultp;   /* struct hostent ** of an _r function */
	__u64 herrnop;   /* int * */
	__u32 depth;
	__u32 func;
	char host[GETHOST_NAME_LEN];
};

/* By thread: the lookup in progress (the oldest go first when it fills: a thread that died in a
 * lookup never returns from it). */
NETDX_MAP(calls, BPF_MAP_TYPE_LRU_HASH, __u32, struct call, 10240);

/* A call older than this is not a lookup in progress but one whose thread died in it (glibc's
 * longest: 5 s per try, 2 tries, 3 servers). */
#define STALE_NS (300ULL * 1000000000ULL)

NETDX_DNS_EVENTS(gethost_event);

static __always_inline int enter(const char *name, __u32 func, __u64 resultp, __u64 herrnop)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)id;
	__u64 now = bpf_ktime_get_ns();
	struct call *c = bpf_map_lookup_elem(&calls, &tid);
	/* the thread id of a thread that died in a lookup, used again: not a nested call */
	if (c && (c->tgid != id >> 32 || now - c->start > STALE_NS)) {
		bpf_map_delete_elem(&calls, &tid);
		c = NULL;
	}
	if (c) {
		/* a call inside a lookup: the outer one is the lookup */
		c->depth++;
		if (!c->herrnop)
			c->herrnop = herrnop;
		return 0;
	}
	if (!netdx_task_ok() || !netdx_task_netns_ok())
		return 0;
	struct call n = { .start = now, .tgid = id >> 32, .resultp = resultp, .herrnop = herrnop, .depth = 1, .func = func };
	if (name)
		bpf_probe_read_user_str(n.host, sizeof(n.host), name);
	if (bpf_map_update_elem(&calls, &tid, &n, BPF_ANY))
		netdx_count(&lost, NETDX_LOST_UNTRACKED);
	return 0;
}

/* The arguments by hand: libbpf's macros name at most five, and the x86-64 ABI's sixth is in
 * r9 (gethostbyname2_r's seventh on the stack, above the return address). */
#if defined(__TARGET_ARCH_x86)
#define ARG(n) (n == 1 ? ctx->di : n == 2 ? ctx->si : n == 3 ? ctx->dx : n == 4 ? ctx->cx : n == 5 ? ctx->r8 : ctx->r9)
static __always_inline __u64 arg7(struct pt_regs *ctx)
{
	__u64 v = 0;
	bpf_probe_read_user(&v, sizeof(v), (void *)(ctx->sp + 8));
	return v;
}
#elif defined(__TARGET_ARCH_arm64)
#define ARG(n) (((struct user_pt_regs *)ctx)->regs[n - 1])
static __always_inline __u64 arg7(struct pt_regs *ctx) { return ARG(7); }
#endif

SEC("uprobe")
int gethost_getaddrinfo(struct pt_regs *ctx)
{
	return enter((const char *)ARG(1), GETHOST_GETADDRINFO, 0, 0);
}

SEC("uprobe")
int gethost_gethostbyname(struct pt_regs *ctx)
{
	return enter((const char *)ARG(1), GETHOST_GETHOSTBYNAME, 0, 0);
}

SEC("uprobe")
int gethost_gethostbyname2(struct pt_regs *ctx)
{
	return enter((const char *)ARG(1), GETHOST_GETHOSTBYNAME2, 0, 0);
}

/* gethostbyname_r(name, ret, buf, buflen, result, h_errnop) */
SEC("uprobe")
int gethost_gethostbyname_r(struct pt_regs *ctx)
{
	return enter((const char *)ARG(1), GETHOST_GETHOSTBYNAME_R, ARG(5), ARG(6));
}

/* gethostbyname2_r(name, af, ret, buf, buflen, result, h_errnop) */
SEC("uprobe")
int gethost_gethostbyname2_r(struct pt_regs *ctx)
{
	return enter((const char *)ARG(1), GETHOST_GETHOSTBYNAME2_R, ARG(6), arg7(ctx));
}

SEC("uretprobe")
int gethost_ret(struct pt_regs *ctx)
{
	long rc = PT_REGS_RC(ctx);
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct call *c = bpf_map_lookup_elem(&calls, &tid);
	if (!c)
		return 0;
	if (c->tgid != bpf_get_current_pid_tgid() >> 32) { /* left by a thread that died in a lookup */
		bpf_map_delete_elem(&calls, &tid);
		return 0;
	}
	if (c->depth > 1) {
		c->depth--;
		return 0;
	}
	struct gethost_event *e = netdx_reserve(&events, &lost, struct gethost_event);
	if (!e) {
		bpf_map_delete_elem(&calls, &tid);
		return 0;
	}
	__u64 id = bpf_get_current_pid_tgid();
	e->ts_ns = bpf_ktime_get_ns();
	e->latency_ns = e->ts_ns - c->start;
	e->ret = rc;
	e->pid = id >> 32;
	e->tid = (__u32)id;
	e->netns = netdx_task_netns();
	e->func = c->func;
	e->h_errno = 0;
	e->flags = 0;
	e->_pad = 0;
	if (c->herrnop && !bpf_probe_read_user(&e->h_errno, sizeof(e->h_errno), (void *)c->herrnop))
		e->flags |= GETHOST_HERRNO;
	__u64 r = 0;
	if (c->resultp && !bpf_probe_read_user(&r, sizeof(r), (void *)c->resultp))
		e->flags |= GETHOST_RESULT | (r ? GETHOST_FOUND : 0);
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	__builtin_memcpy(e->host, c->host, sizeof(e->host));
	bpf_map_delete_elem(&calls, &tid);
	bpf_ringbuf_submit(e, BPF_RB_NO_WAKEUP);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
