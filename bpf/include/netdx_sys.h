/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* For tools on the syscall tracepoints (syscalls:sys_enter_X / sys_exit_X): the socket behind a
 * file descriptor of the calling process (current->files), a sockaddr read from user memory, the
 * per-thread record that carries a call's arguments from its entry to its exit, and the fields
 * every such event has. Syscalls run in the caller's process context: `current` is the socket's
 * owner there, so PID and comm come from it (no owner cache needed at these hooks).
 *
 * A tool defines its maps (NETDX_SYS_EVENT_MAPS), calls netdx_sys_begin() at entry (the
 * process, cgroup, namespace and family filters, at the first sight of the call), adds what the
 * call's arguments say, netdx_sys_save() (or netdx_sys_enter() for all three); at exit
 * (NETDX_SYS_PROGRAMS: netdx_sys_end()) it gets the call back, and netdx_sys_event() reserves
 * its event with the shared fields filled.
 *
 * A tool's event header takes the shared fields alone (it is also compiled without the kernel's
 * types, to generate its TypeScript layout):
 *     #define NETDX_SYS_FIELDS_ONLY
 *     #include "netdx_sys.h"
 *     #undef NETDX_SYS_FIELDS_ONLY
 *     struct X_event { NETDX_SYS_EVENT_FIELDS ...its own... };  */
#ifndef NETDX_SYS_EVENT_FIELDS
/* The fields every syscall event begins with (NETDX_SYS_EVENT_FILL writes them):
 * ts_ns       the return, bpf_ktime_get_ns()
 * latency_ns  entry to return
 * netns       the socket's network namespace inode; 0 when the fd is no socket
 * fd          the fd the call was made on
 * err         0, or the errno returned
 * family, type, protocol  the socket's (AF_*, SOCK_*, IPPROTO_*) */
#define NETDX_SYS_EVENT_FIELDS \
	__u64 ts_ns;           \
	__u64 latency_ns;      \
	__u32 pid;             \
	__u32 tid;             \
	__u32 netns;           \
	__s32 fd;              \
	__s32 err;             \
	char comm[16];         \
	__u16 family;          \
	__u16 type;            \
	__u16 protocol;
#endif

#ifndef NETDX_SYS_CONNECT_FIELDS
/* The event of a connect() tool (NETDX_SYS_CONNECT_PROGRAMS): the shared fields, the sockaddr asked
 * for (NETDX_SYS_EVENT_SOCKADDR) and the local port the call left.
 * addr     the address asked for (IPv4 in the first 4 bytes)
 * path     AF_UNIX: the path asked for ('@' starts an abstract name)
 * afamily  the sockaddr's (AF_UNSPEC 0 dissolves a datagram socket's association)
 * port     the port asked for
 * lport    the socket's local port after the call (0 unknown, or none) */
#define NETDX_SYS_CONNECT_FIELDS \
	__u8 addr[16];           \
	char path[64];           \
	NETDX_SYS_EVENT_FIELDS   \
	__u16 afamily;           \
	__u16 port;              \
	__u16 lport;
#endif

#ifndef NETDX_SYS_HIST_KEY_FIELDS
/* The key and value of the per-process log2 histograms of latency tools (NETDX_SYS_HISTS). */
#define NETDX_SYS_HIST_KEY_FIELDS                                          \
	__u32 pid;          /* the owner (tgid); 0 for every process (no -P) */ \
	__u32 failed;       /* 1: the operation failed */
#define NETDX_SYS_HIST_VAL_FIELDS                                          \
	__u64 count;                                                        \
	__u64 total_ns;     /* exact sum */                                 \
	__u32 slots[27];    /* log2 of each latency in µs (struct netdx_hist) */ \
	char comm[16];      /* the owner's, when pid is set */              \
	__u32 _pad;
#endif

#if !defined(NETDX_SYS_H) && !defined(NETDX_SYS_FIELDS_ONLY)
#define NETDX_SYS_H

#include <bpf/bpf_core_read.h>
#include "netdx.h"
#include "netdx_filter.h"
#include "netdx_fd.h"

#define AF_UNIX 1
/* Bytes kept of an AF_UNIX path (the last one stays NUL); an abstract name's leading NUL is '@'. */
#define NETDX_SYS_PATH 64

/* Only calls that failed (-x). */
const volatile bool only_failed = false;

/* The call is to be reported: any call, or with -x one that failed with an errno other than
 * `not_failure` (connect()'s EINPROGRESS: a non-blocking connect under way), 0 for none. */
static __always_inline bool netdx_sys_wanted(long ret, long not_failure)
{
	return !only_failed || (ret < 0 && ret != -not_failure);
}

/* A sockaddr as the caller passed it. */
struct netdx_sockaddr {
	__u8 addr[16];              /* IPv4 in the first 4 bytes */
	char path[NETDX_SYS_PATH];  /* AF_UNIX */
	__u16 family;               /* sa_family: AF_UNSPEC (0) disconnects a datagram socket */
	__u16 port;                 /* host order */
};

/* One call in flight on a thread, from its entry to its exit. */
struct netdx_sys_call {
	__u64 ts_ns;                /* entry, bpf_ktime_get_ns() */
	__u64 sk;                   /* the struct sock behind fd at entry; 0 none (not a socket) */
	__s32 fd;
	__s32 arg;                  /* a call's own argument: listen()'s backlog, accept4()'s flags */
	struct netdx_sockaddr sa;   /* connect()'s or bind()'s address */
};

/* Calls in flight, by thread (bpf_get_current_pid_tgid()). A thread blocked in a call (accept)
 * holds its entry; when the map is full a call is counted as untracked and not reported. */
#define NETDX_SYS_CALLS_MAP(name)                              \
	struct {                                               \
		__uint(type, BPF_MAP_TYPE_HASH);               \
		__uint(max_entries, 16384);                    \
		__type(key, __u64);                            \
		__type(value, struct netdx_sys_call);          \
	} name SEC(".maps")

/* The maps of a syscall event tool: `calls` in flight, the `events` ring (4 MiB), the `lost`
 * counters, and the event struct kept in the object's BTF. */
#define NETDX_SYS_EVENT_MAPS(EVENT)                            \
	NETDX_SYS_CALLS_MAP(calls);                            \
	struct {                                               \
		__uint(type, BPF_MAP_TYPE_RINGBUF);            \
		__uint(max_entries, 4 << 20);                  \
	} events SEC(".maps");                                 \
	NETDX_LOST_MAP(lost);                                  \
	NETDX_EXPORT(EVENT)


/* A user sockaddr of `len` bytes into sa (zeroed by the caller). Too short for its family: only
 * the family is kept. */
static __always_inline void netdx_read_sockaddr(struct netdx_sockaddr *sa, const void *uaddr, long len)
{
	if (!uaddr || len < 2 || bpf_probe_read_user(&sa->family, sizeof(sa->family), uaddr))
		return;
	__u16 port = 0;
	if (sa->family == AF_INET && len >= 8) {
		bpf_probe_read_user(&port, 2, uaddr + 2);
		bpf_probe_read_user(sa->addr, 4, uaddr + 4);
	} else if (sa->family == AF_INET6 && len >= 24) {
		bpf_probe_read_user(&port, 2, uaddr + 2);
		bpf_probe_read_user(sa->addr, 16, uaddr + 8);
	} else if (sa->family == AF_UNIX && len > 2) {
		__u32 n = len - 2;
		if (n > NETDX_SYS_PATH - 1)
			n = NETDX_SYS_PATH - 1;
		bpf_probe_read_user(sa->path, n & (NETDX_SYS_PATH - 1), uaddr + 2);
		if (!sa->path[0])
			sa->path[0] = '@';
	}
	sa->port = bpf_ntohs(port);
}

static __always_inline __u16 netdx_sk_family(struct sock *sk)
{
	return BPF_CORE_READ(sk, __sk_common.skc_family);
}

/* The start of a call on fd: the process, cgroup, namespace and family filters (a call on
 * something that is not a socket passes only when neither of the last two is set). The call is
 * filled in c (zeroed by the caller); false when filtered out. */
static __always_inline bool netdx_sys_begin(struct netdx_sys_call *c, long fd, long arg)
{
	if (!netdx_task_ok())
		return false;
	struct sock *sk = netdx_fd_sk(fd);
	if (sk ? !netdx_netns_ok(sk) || !netdx_family_ok(netdx_sk_family(sk)) : filter_netns || filter_family)
		return false;
	c->ts_ns = bpf_ktime_get_ns();
	c->sk = (__u64)sk;
	c->fd = fd;
	c->arg = arg;
	return true;
}

/* netdx_sys_begin() for a call that names an address (connect): the sockaddr read into c and
 * -D applied to its port. */
static __always_inline bool netdx_sys_begin_addr(struct netdx_sys_call *c, long fd, long uaddr, long addrlen)
{
	if (!netdx_sys_begin(c, fd, 0))
		return false;
	netdx_read_sockaddr(&c->sa, (const void *)uaddr, addrlen);
	return netdx_rport_ok(c->sa.port);
}

/* Keeps the call until its exit (counted as untracked when the map is full). */
static __always_inline void netdx_sys_save(void *calls, void *lost, struct netdx_sys_call *c)
{
	__u64 id = bpf_get_current_pid_tgid();
	if (bpf_map_update_elem(calls, &id, c, BPF_ANY))
		netdx_count(lost, NETDX_LOST_UNTRACKED);
}

/* The current thread's call, taken out of the map into c; false when its entry was not kept. */
static __always_inline bool netdx_sys_end(void *calls, struct netdx_sys_call *c)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct netdx_sys_call *p = bpf_map_lookup_elem(calls, &id);
	if (!p)
		return false;
	__builtin_memcpy(c, p, sizeof(*c));
	bpf_map_delete_elem(calls, &id);
	return true;
}

/* The fields every syscall event has (ts_ns, latency_ns, pid, tid, comm, fd, err, netns, family,
 * type, protocol), from the call, its return value and its socket (NULL: zeros). */
#define NETDX_SYS_EVENT_FILL(e, c, ret, sk)                                             \
	do {                                                                            \
		__u64 __id = bpf_get_current_pid_tgid();                                \
		(e)->ts_ns = bpf_ktime_get_ns();                                        \
		(e)->latency_ns = (e)->ts_ns - (c)->ts_ns;                              \
		(e)->pid = __id >> 32;                                                  \
		(e)->tid = (__u32)__id;                                                 \
		bpf_get_current_comm((e)->comm, sizeof((e)->comm));                     \
		(e)->fd = (c)->fd;                                                      \
		(e)->err = (ret) < 0 ? -(ret) : 0;                                      \
		(e)->netns = (sk) ? netdx_sk_netns(sk) : 0;                             \
		(e)->family = (sk) ? netdx_sk_family(sk) : 0;                           \
		(e)->type = (sk) ? BPF_CORE_READ(sk, sk_type) : 0;                      \
		(e)->protocol = (sk) ? BPF_CORE_READ_BITFIELD_PROBED(sk, sk_protocol) : 0; \
	} while (0)

/* The entry of a call that needs only the fd and one argument: begin and save (in the maps of
 * NETDX_SYS_EVENT_MAPS). */
#define netdx_sys_enter(fd, arg)                                                        \
	({                                                                              \
		struct netdx_sys_call __c = {};                                         \
		if (netdx_sys_begin(&__c, fd, arg))                                     \
			netdx_sys_save(&calls, &lost, &__c);                            \
		0;                                                                      \
	})

/* A ring record of type T for the call c that returned ret on socket sk, zeroed, its shared fields
 * filled (NETDX_SYS_EVENT_FILL), or NULL (counted as lost) when the ring has no room. */
#define netdx_sys_event(T, c, ret, sk)                                                  \
	({                                                                              \
		T *__e = netdx_reserve(&events, &lost, T);                              \
		if (__e) {                                                              \
			__builtin_memset(__e, 0, sizeof(T)); /* holes too */            \
			NETDX_SYS_EVENT_FILL(__e, c, ret, sk);                          \
		}                                                                       \
		__e;                                                                    \
	})

/* The sockaddr of call c into the event's addr, path, afamily and port. */
#define NETDX_SYS_EVENT_SOCKADDR(e, c)                                                  \
	do {                                                                            \
		__builtin_memcpy((e)->addr, (c)->sa.addr, sizeof((e)->addr));            \
		__builtin_memcpy((e)->path, (c)->sa.path, sizeof((e)->path));            \
		(e)->afamily = (c)->sa.family;                                          \
		(e)->port = (c)->sa.port;                                               \
	} while (0)

/* The connect() programs of a connect event tool, PREFIX_enter_connect and PREFIX_exit_connect
 * (soconnect: every socket; udpconnect: UDP sockets only), with the maps of
 * NETDX_SYS_EVENT_MAPS(EVENT), EVENT a struct of NETDX_SYS_CONNECT_FIELDS: one event per call, at
 * its return, with the local port the call chose (TCP and UDP alike bind one in the call, even
 * when it fails later). SOCK_OK(struct sock *sk) keeps the calls on sk (NULL: the fd is no
 * socket), at entry; -D applies to the port asked for (a unix path has none), -L to the local
 * port after the call. */
#define NETDX_SYS_CONNECT_PROGRAMS(PREFIX, EVENT, SOCK_OK)                                 \
	static __always_inline int PREFIX##_on_enter(long fd, long uaddr, long addrlen)   \
	{                                                                                 \
		struct netdx_sys_call c = {};                                             \
		if (netdx_sys_begin_addr(&c, fd, uaddr, addrlen) && SOCK_OK((struct sock *)c.sk)) \
			netdx_sys_save(&calls, &lost, &c);                                \
		return 0;                                                                 \
	}                                                                                 \
	static __always_inline int PREFIX##_on_exit(struct netdx_sys_call *c, struct sock *sk, long ret) \
	{                                                                                 \
		__u16 lport = sk ? netdx_sk_lport(sk) : 0;                                \
		if (!netdx_sys_wanted(ret, 115 /* EINPROGRESS */) || !netdx_lport_ok(lport)) \
			return 0;                                                         \
		struct EVENT *e = netdx_sys_event(struct EVENT, c, ret, sk);              \
		if (!e)                                                                   \
			return 0;                                                         \
		NETDX_SYS_EVENT_SOCKADDR(e, c);                                           \
		e->lport = lport;                                                         \
		bpf_ringbuf_submit(e, BPF_RB_NO_WAKEUP);                                  \
		return 0;                                                                 \
	}                                                                                 \
	NETDX_SYS_PROGRAMS(PREFIX, connect, PREFIX##_on_enter, PREFIX##_on_exit)

/* Latency histograms per process (-P: per_pid) or for all, failed apart, in the map `hists` that
 * user space drains each interval, and hist_add(owner, failed, delta_ns) and hist_add_current()
 * that add to them (a full map counts the latency as untracked in `lost`). KEY and VAL are the tool's structs of
 * NETDX_SYS_HIST_KEY_FIELDS and NETDX_SYS_HIST_VAL_FIELDS. */
#define NETDX_SYS_HISTS(KEY, VAL)                                                       \
	const volatile bool per_pid = false;                                            \
	struct {                                                                        \
		__uint(type, BPF_MAP_TYPE_HASH);                                        \
		__uint(max_entries, 10240);                                             \
		__type(key, struct KEY);                                                \
		__type(value, struct VAL);                                              \
	} hists SEC(".maps");                                                           \
	NETDX_EXPORT(KEY);                                                              \
	NETDX_EXPORT(VAL);                                                              \
	static __always_inline void hist_add(struct netdx_owner *o, __u32 failed, __u64 delta_ns) \
	{                                                                               \
		struct KEY k = { .pid = per_pid && o ? o->tgid : 0, .failed = failed }; \
		struct VAL *v = bpf_map_lookup_elem(&hists, &k);                        \
		if (!v) {                                                               \
			struct VAL z = {};                                              \
			if (k.pid)                                                      \
				__builtin_memcpy(z.comm, o->comm, sizeof(z.comm));      \
			bpf_map_update_elem(&hists, &k, &z, BPF_NOEXIST);               \
			v = bpf_map_lookup_elem(&hists, &k);                            \
			if (!v) {                                                       \
				netdx_count(&lost, NETDX_LOST_UNTRACKED);               \
				return;                                                 \
			}                                                               \
		}                                                                       \
		__sync_fetch_and_add(&v->count, 1);                                     \
		__sync_fetch_and_add(&v->total_ns, delta_ns);                           \
		netdx_hist_add((struct netdx_hist *)v->slots, delta_ns / 1000);         \
	}                                                                               \
	/* hist_add() for the current task (process context: it is the owner) */     \
	static __always_inline void hist_add_current(__u32 failed, __u64 delta_ns)      \
	{                                                                               \
		__u64 id = bpf_get_current_pid_tgid();                                  \
		struct netdx_owner o = { .tgid = id >> 32, .pid = (__u32)id };          \
		bpf_get_current_comm(o.comm, sizeof(o.comm));                           \
		hist_add(&o, failed, delta_ns);                                         \
	}

/* The entry and exit programs of one syscall, PREFIX_enter_CALL and PREFIX_exit_CALL (user space
 * lists them with core/kit/sys.ts syscallVariants()): ON_ENTER(args[0], args[1], args[2]), and
 * ON_EXIT(struct netdx_sys_call *c, struct sock *sk, long ret) for a call whose entry was kept
 * (in the `calls` map of NETDX_SYS_EVENT_MAPS); sk is the socket behind the fd at entry. */
#define NETDX_SYS_PROGRAMS(PREFIX, CALL, ON_ENTER, ON_EXIT)                              \
	SEC("tracepoint/syscalls/sys_enter_" #CALL)                                      \
	int PREFIX##_enter_##CALL(struct trace_event_raw_sys_enter *ctx)                 \
	{                                                                                \
		return ON_ENTER((long)ctx->args[0], (long)ctx->args[1], (long)ctx->args[2]); \
	}                                                                                \
	SEC("tracepoint/syscalls/sys_exit_" #CALL)                                       \
	int PREFIX##_exit_##CALL(struct trace_event_raw_sys_exit *ctx)                   \
	{                                                                                \
		struct netdx_sys_call c;                                                 \
		if (!netdx_sys_end(&calls, &c))                                          \
			return 0;                                                        \
		return ON_EXIT(&c, (struct sock *)c.sk, ctx->ret);                       \
	}

#endif
