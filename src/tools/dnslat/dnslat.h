/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The contract between dnslat.bpf.c and lib.ts: one event per DNS answer received for a query
 * this host sent (UDP), and the table of queries waiting for theirs (read at the end: those never
 * answered). The build generates dnslat.h.ts. */
#ifndef NETDX_DNSLAT_H
#define NETDX_DNSLAT_H

#define DNSLAT_QNAME_LEN 128

struct dnslat_event {
	__u64 ts_ns;        /* the answer's arrival, bpf_ktime_get_ns() */
	__u64 latency_ns;   /* the query's first send to the answer */
	__u32 pid;          /* the sender of the query (tgid); 0 for a query this host forwards */
	__u32 tid;
	__u32 netns;        /* the devices' network namespace inode */
	__u16 family;       /* AF_INET, AF_INET6 */
	__u16 id;           /* DNS message id */
	__u16 cport;        /* the client's (this host's) port */
	__u16 sport;        /* the server's port */
	__u16 flags;        /* the answer's flags word: QR, opcode, AA, TC, RD, RA, rcode in the low 4 bits */
	__u16 ancount;      /* answer records */
	__u16 qlen;         /* bytes of qname that are the query's (at most DNSLAT_QNAME_LEN) */
	__u16 tries;        /* sends of the query (the same id from the same port) */
	__u8 caddr[16];     /* the client (IPv4 in the first 4 bytes) */
	__u8 saddr[16];     /* the server */
	char comm[16];
	__u8 qname[DNSLAT_QNAME_LEN]; /* the question as sent: labels, then QTYPE and QCLASS */
};

/* A query waiting for its answer: the table's key and value. */
struct dnslat_key {
	__u32 netns;
	__u16 id;
	__u16 cport;
	__u8 caddr[16];
};

struct dnslat_query {
	__u64 ts;           /* first send */
	__u32 pid;
	__u32 tid;
	__u16 qlen;
	__u16 tries;
	__u32 _pad;
	char comm[16];
	__u8 qname[DNSLAT_QNAME_LEN];
};

#endif
