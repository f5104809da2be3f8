/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The contract between gethostlatency.bpf.c and lib.ts: one event per name lookup through libc
 * (the outermost call of a thread: a lookup function that calls another counts once). The build
 * generates gethostlatency.h.ts. */
#ifndef NETDX_GETHOSTLATENCY_H
#define NETDX_GETHOSTLATENCY_H

#define GETHOST_NAME_LEN 128

/* The functions, as `func` numbers them. */
#define GETHOST_GETADDRINFO 0
#define GETHOST_GETHOSTBYNAME 1
#define GETHOST_GETHOSTBYNAME2 2
#define GETHOST_GETHOSTBYNAME_R 3
#define GETHOST_GETHOSTBYNAME2_R 4

#define GETHOST_HERRNO 1
#define GETHOST_RESULT 2
#define GETHOST_FOUND 4

struct gethost_event {
	__u64 ts_ns;        /* return time, bpf_ktime_get_ns() */
	__u64 latency_ns;   /* entry to return */
	__s64 ret;          /* the return value: getaddrinfo's (0 or EAI_*), the _r functions' errno, or
			     * gethostbyname/gethostbyname2's pointer (0: NULL) */
	__u32 pid;
	__u32 tid;
	__u32 netns;        /* the caller's network namespace inode */
	__s32 h_errno;      /* *h_errnop after the call (with GETHOST_HERRNO) */
	__u32 func;         /* GETHOST_* */
	__u32 flags;        /* GETHOST_HERRNO: h_errno read; GETHOST_RESULT: an _r function's *result
			     * read, GETHOST_FOUND: and not NULL */
	__u32 _pad;
	char comm[16];
	char host[GETHOST_NAME_LEN]; /* the name asked, read at entry */
};

#endif
