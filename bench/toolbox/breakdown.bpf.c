// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Where the per-call cost of socketio goes (bench/toolbox/breakdown.sh): its path on
 * sock:sock_send_length/sock_recv_length built up step by step, each a pair of programs
 * (STEP_send, STEP_recv) loaded alone by bench/doctor/floor.c:
 *   b0     empty
 *   b1     + the socket's family and protocol (two bpf_probe_read_kernel through raw_tp)
 *   b2     + the shared filters' reads: namespace, both ports (netdx_sockio_get, filters unset)
 *   b3     + the key's pid and the task's name (bpf_get_current_comm) at every call
 *   b4     + the hash map lookup and three atomic adds, the name in the key: socketio until
 *          2026-11-30 on raw_tp
 *   b4pc   b4 on a per-CPU hash with plain adds instead of atomics
 *   b5     b4 with the name read only when a key is made (NETDX_AGG_GET_NAMED): socketio on raw_tp
 *   c5     b5 through tp_btf, the socket's fields still read with bpf_probe_read_kernel
 *   c5d    c5 with the socket's fields read by plain loads (BTF pointers): socketio on tp_btf
 * The ring and everything user space does are not in these figures. */
/* socketio itself: its map `io`, count() (step b5's and c5's aggregation) and its programs */
#include "../../src/tools/socketio/socketio.bpf.c"

/* the key as it was: the name in it, read at every call */
struct old_key {
	struct socketio_key k;
	char comm[16];
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, struct old_key);
	__type(value, struct socketio_val);
} old SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct old_key);
	__type(value, struct socketio_val);
} oldpc SEC(".maps");

static __always_inline int step1(struct sock *sk)
{
	__u16 family = BPF_CORE_READ(sk, __sk_common.skc_family);
	__u16 protocol = BPF_CORE_READ_BITFIELD_PROBED(sk, sk_protocol);
	return family == AF_INET && protocol == 99;
}

static __always_inline void key_of(struct socketio_key *key, const struct netdx_sockio *c)
{
	key->pid = bpf_get_current_pid_tgid() >> 32;
	key->lport = c->lport;
	key->rport = c->rport;
	key->recv = c->recv;
	key->protocol = c->protocol;
}

static __always_inline int step4(const struct netdx_sockio *c, void *map, bool atomic)
{
	struct old_key key = {};
	key_of(&key.k, c);
	bpf_get_current_comm(key.comm, sizeof(key.comm));
	static const struct socketio_val zero;
	struct socketio_val *v = netdx_agg_get(map, &key, &zero, &lost);
	if (!v)
		return 0;
	if (atomic) {
		__sync_fetch_and_add(&v->calls, 1);
		__sync_fetch_and_add(&v->bytes, c->bytes);
		if (c->ret < 0)
			__sync_fetch_and_add(&v->errors, 1);
	} else {
		v->calls++;
		v->bytes += c->bytes;
		if (c->ret < 0)
			v->errors++;
	}
	return 0;
}

#define PAIR(NAME, BODY)                                                                     \
	SEC("raw_tp/sock_send_length") int NAME##_send(struct bpf_raw_tracepoint_args *ctx)  \
	{ struct sock *sk = (struct sock *)ctx->args[0]; int ret = ctx->args[1], flags = ctx->args[2]; bool recv = false; BODY } \
	SEC("raw_tp/sock_recv_length") int NAME##_recv(struct bpf_raw_tracepoint_args *ctx)  \
	{ struct sock *sk = (struct sock *)ctx->args[0]; int ret = ctx->args[1], flags = ctx->args[2]; bool recv = true; BODY }

PAIR(b0, { return 0; })
PAIR(b1, { return step1(sk); })
PAIR(b2, { struct netdx_sockio io = {}; if (!netdx_sockio_get(&io, sk, ret, flags, recv, false)) return 0; return io.lport == 1; })
PAIR(b3, { struct netdx_sockio io = {}; struct old_key key = {};
	if (!netdx_sockio_get(&io, sk, ret, flags, recv, false)) return 0;
	key_of(&key.k, &io); bpf_get_current_comm(key.comm, sizeof(key.comm)); return key.comm[0] == 1; })
PAIR(b4, { struct netdx_sockio io; if (!netdx_sockio_get(&io, sk, ret, flags, recv, false)) return 0; return step4(&io, &old, true); })
PAIR(b4pc, { struct netdx_sockio io; if (!netdx_sockio_get(&io, sk, ret, flags, recv, false)) return 0; return step4(&io, &oldpc, false); })
PAIR(b5, { struct netdx_sockio io; if (!netdx_sockio_get(&io, sk, ret, flags, recv, false)) return 0; return count(&io, false); })

#define BTF_PAIR(NAME, DIRECT)                                                              \
	SEC("tp_btf/sock_send_length") int BPF_PROG(NAME##_send, struct sock *sk, int ret, int flags) \
	{ struct netdx_sockio io; if (!netdx_sockio_get(&io, sk, ret, flags, false, DIRECT)) return 0; return count(&io, DIRECT); } \
	SEC("tp_btf/sock_recv_length") int BPF_PROG(NAME##_recv, struct sock *sk, int ret, int flags) \
	{ struct netdx_sockio io; if (!netdx_sockio_get(&io, sk, ret, flags, true, DIRECT)) return 0; return count(&io, DIRECT); }

BTF_PAIR(c5, false)
BTF_PAIR(c5d, true)

