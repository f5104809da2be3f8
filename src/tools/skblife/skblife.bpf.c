// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* skblife: how long socket buffers live, from their allocation (__alloc_skb, __build_skb,
 * napi_build_skb: the returned skb) to their end (kfree_skbmem: freed to the slab cache;
 * napi_skb_cache_put: recycled into the CPU's NAPI cache), per kind, as log2 histograms.
 *
 * Needs function entry and return hooks, as fentry/fexit or kprobes/kretprobes (both here, tried
 * in that order): no tracepoint fires at both ends. The kmem tracepoints (kmem_cache_alloc/free)
 * cannot pair them: skbs are recycled per CPU and freed in bulk, so most never reach
 * kmem_cache_free one by one. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "netdx.h"
#include "netdx_listen.h"
#include "netdx.h"
#include "skblife.h"

#define ALLOC_SKB 0
#define ALLOC_BUILD 1
#define ALLOC_NAPI_BUILD 2
#define END_FREED 0
#define END_RECYCLED 1
#define SKB_FCLONE_ORIG 1

/* Live skbs (an LRU: one never seen to end is dropped, not kept forever) */
NETDX_MAP(births, BPF_MAP_TYPE_LRU_HASH, __u64, struct skblife_birth, 262144);
NETDX_MAP(hists, BPF_MAP_TYPE_HASH, struct skblife_key, struct skblife_val, 64);
NETDX_LOST_MAP(lost);
NETDX_EXPORT(skblife_key);
NETDX_EXPORT(skblife_val);
NETDX_EXPORT(skblife_birth);

static __always_inline int born(struct sk_buff *skb, __u32 alloc)
{
	if (!skb)
		return 0;
	__u64 k = (__u64)skb;
	struct skblife_birth b = { .ts_ns = bpf_ktime_get_ns(), .alloc = alloc };
	bpf_map_update_elem(&births, &k, &b, BPF_ANY);
	return 0;
}

static __always_inline int ended(struct sk_buff *skb, __u32 end)
{
	__u64 k = (__u64)skb;
	struct skblife_birth *b = bpf_map_lookup_elem(&births, &k);
	if (!b)
		return 0; /* born before tracing began */
	__u64 life = bpf_ktime_get_ns() - b->ts_ns;
	struct skblife_key key = { .alloc = b->alloc, .end = end };
	key.fclone = BPF_CORE_READ_BITFIELD_PROBED(skb, fclone) == SKB_FCLONE_ORIG;
	bpf_map_delete_elem(&births, &k);
	struct skblife_val zero = {}, *v = netdx_agg_get(&hists, &key, &zero, &lost);
	if (!v)
		return 0;
	__sync_fetch_and_add(&v->count, 1);
	__sync_fetch_and_add(&v->total_ns, life);
	netdx_hist_add((struct netdx_hist *)v->slots, life / 1000);
	return 0;
}

/* Each point as fexit/fentry (NAME_fexit / NAME_fentry) and as kretprobe/kprobe (NAME_kret /
 * NAME_kprobe): births take the returned skb, ends the first argument. */
#define BIRTH(NAME, FUNC, KIND)                                                  \
	SEC("fexit/" #FUNC)                                                      \
	int BPF_PROG(NAME##_fexit) { return born((struct sk_buff *)ctx[FUNC##_NARGS], KIND); } \
	SEC("kretprobe/" #FUNC)                                                  \
	int BPF_KRETPROBE(NAME##_kret, struct sk_buff *ret) { return born(ret, KIND); }
#define END(NAME, FUNC, KIND)                                                    \
	SEC("fentry/" #FUNC)                                                     \
	int BPF_PROG(NAME##_fentry, struct sk_buff *skb) { return ended(skb, KIND); } \
	SEC("kprobe/" #FUNC)                                                     \
	int BPF_KPROBE(NAME##_kprobe, struct sk_buff *skb) { return ended(skb, KIND); }

/* fexit's return value follows the arguments: its index is the function's argument count */
#define __alloc_skb_NARGS 4     /* (size, gfp_mask, flags, node) */
#define __build_skb_NARGS 2     /* (data, frag_size) */
#define napi_build_skb_NARGS 2  /* (data, frag_size) */

BIRTH(skblife_alloc, __alloc_skb, ALLOC_SKB)
BIRTH(skblife_build, __build_skb, ALLOC_BUILD)
BIRTH(skblife_napi_build, napi_build_skb, ALLOC_NAPI_BUILD)
END(skblife_free, kfree_skbmem, END_FREED)
END(skblife_recycle, napi_skb_cache_put, END_RECYCLED)

char LICENSE[] SEC("license") = "Dual BSD/GPL";
