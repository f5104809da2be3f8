/* lossy: the workload of bench/tcpretrans. TCP connections from one namespace to a server in
 * another, over a veth whose receiving end drops a fixed share of the data packets (an nftables
 * rule that run.sh sets up): every drop makes the sender retransmit.
 *
 *   lossy serve PORT SECONDS                         the server (the receiver's namespace): accepts,
 *                                                    reads, answers one byte per request (see
 *                                                    below), closes at the client's EOF or reset;
 *                                                    exits after SECONDS at most, or at SIGINT/SIGTERM
 *   lossy bulk DST PORT CONNS BYTES SECONDS          CONNS connections send until BYTES in all
 *                                                    are acknowledged (tcpi_bytes_acked of each,
 *                                                    read at each of its events), then are reset:
 *                                                    a connection stuck in RTO backoff does not
 *                                                    hold the run
 *   lossy rr   DST PORT CONNS REQS SIZE SECONDS      CONNS connections send REQS requests of SIZE
 *                                                    bytes in all, each waiting for a one-byte
 *                                                    answer before the next
 *
 * Each connection first sends a 4-byte header: the request size (0: bulk, no answers). One
 * thread, epoll, non-blocking sockets. The client prints one line:
 *   conns=C bytes=B reqs=R wall_s=S retrans=T rtx_segs=N work_cpu_s=U
 * (bytes: acknowledged (bulk) or sent (rr); wall_s: until BYTES were acknowledged (bulk) or every
 * connection was closed by the server (rr); retrans: the sum of the connections' tcpi_total_retrans,
 * read before they are closed; rtx_segs: TcpRetransSegs of its namespace's /proc/net/snmp, after
 * the connections are closed less before the run) and
 * exits 0, or 3 when SECONDS ran out first. Every loop is bounded in count and time.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <linux/tcp.h> /* struct tcp_info with tcpi_bytes_acked (glibc's lacks it) */
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_CONNS 1024
#define CHUNK (64 * 1024)

static char buf[CHUNK];
static volatile sig_atomic_t stop;
static void on_signal(int sig) { (void)sig; stop = 1; }

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void nonblock(int fd) { fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK); }

/* ---- the server ------------------------------------------------------------------------- */
struct peer {
	int fd;
	int hdr;          /* header bytes received (4 when the size is known) */
	uint32_t size;    /* request size: 0 for bulk */
	uint64_t partial; /* bytes of the current request */
	unsigned char h[4];
};

static int serve(int port, double seconds)
{
	int one = 1;
	int l = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (l < 0 || bind(l, (struct sockaddr *)&a, sizeof(a)) || listen(l, 1024)) {
		perror("lossy serve: listen");
		return 1;
	}
	nonblock(l);
	int ep = epoll_create1(0);
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = NULL };
	epoll_ctl(ep, EPOLL_CTL_ADD, l, &ev);
	fprintf(stderr, "lossy serve: listening on %d\n", port);
	double end = now() + seconds;
	struct epoll_event evs[64];
	while (!stop && now() < end) {
		int n = epoll_wait(ep, evs, 64, 100);
		for (int i = 0; i < n; i++) {
			struct peer *p = evs[i].data.ptr;
			if (!p) {
				for (int k = 0; k < 256; k++) {
					int c = accept(l, NULL, NULL);
					if (c < 0)
						break;
					nonblock(c);
					setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
					struct peer *q = calloc(1, sizeof(*q));
					q->fd = c;
					struct epoll_event e = { .events = EPOLLIN, .data.ptr = q };
					epoll_ctl(ep, EPOLL_CTL_ADD, c, &e);
				}
				continue;
			}
			for (int k = 0; k < 64; k++) {
				ssize_t r = read(p->fd, buf, sizeof(buf));
				if (r < 0 && errno == EAGAIN)
					break;
				if (r <= 0) {
					close(p->fd);
					free(p);
					break;
				}
				ssize_t off = 0;
				while (p->hdr < 4 && off < r)
					p->h[p->hdr++] = buf[off++];
				if (p->hdr < 4)
					continue;
				memcpy(&p->size, p->h, 4);
				if (!p->size)
					continue;
				p->partial += r - off;
				for (; p->partial >= p->size; p->partial -= p->size)
					if (write(p->fd, "k", 1) != 1) /* the client sends the next only after this */
						perror("lossy serve: answer");
			}
		}
	}
	return 0;
}

/* TcpRetransSegs of this network namespace (-1 if not found) */
static long long retrans_segs(void)
{
	char head[2048], vals[2048], *hs, *vs;
	long long v = -1;
	FILE *f = fopen("/proc/net/snmp", "r");
	if (!f)
		return -1;
	while (fgets(head, sizeof(head), f)) {
		if (strncmp(head, "Tcp:", 4) || !fgets(vals, sizeof(vals), f))
			continue;
		char *h = strtok_r(head, " \n", &hs), *x = strtok_r(vals, " \n", &vs);
		for (; h && x; h = strtok_r(NULL, " \n", &hs), x = strtok_r(NULL, " \n", &vs))
			if (!strcmp(h, "RetransSegs"))
				v = atoll(x);
		break;
	}
	fclose(f);
	return v;
}

/* ---- the client ------------------------------------------------------------------------- */
struct conn {
	int fd;
	uint64_t to_send;  /* bulk: unbounded; rr: bytes left of the current request */
	long reqs_left;    /* rr: requests left after the current one */
	int hdr_sent;      /* header bytes sent */
	int waiting;       /* rr: the answer to the current request is due */
	int closing;       /* rr: shut down for writing, waiting for the server's close */
	int done;
	uint64_t acked;    /* bulk: tcpi_bytes_acked when last seen */
};

/* tcpi_total_retrans and tcpi_bytes_acked of one connection */
static void info(int fd, uint64_t *retrans, uint64_t *acked)
{
	struct tcp_info ti;
	socklen_t tl = sizeof(ti);
	memset(&ti, 0, sizeof(ti));
	if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &tl))
		return;
	if (retrans)
		*retrans += ti.tcpi_total_retrans;
	if (acked)
		*acked += ti.tcpi_bytes_acked;
}

static int client(int rr, const char *dst, int port, int conns, uint64_t bytes, long reqs, uint32_t size, double seconds)
{
	static struct conn c[MAX_CONNS];
	int one = 1, ep = epoll_create1(0), open_conns = 0, reached = 0;
	struct sockaddr_in d = { .sin_family = AF_INET, .sin_port = htons(port) };
	if (inet_pton(AF_INET, dst, &d.sin_addr) != 1) {
		fprintf(stderr, "lossy: bad address %s\n", dst);
		return 2;
	}
	memset(buf, 'x', sizeof(buf));
	long long rtx0 = retrans_segs();
	double t0 = now(), end = t0 + seconds;
	for (int i = 0; i < conns; i++) {
		c[i].fd = socket(AF_INET, SOCK_STREAM, 0);
		if (c[i].fd < 0 || connect(c[i].fd, (struct sockaddr *)&d, sizeof(d))) {
			perror("lossy: connect");
			return 1;
		}
		setsockopt(c[i].fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		nonblock(c[i].fd);
		if (rr) {
			c[i].reqs_left = reqs / conns + (i < reqs % conns) - 1;
			c[i].to_send = size;
		} else {
			c[i].to_send = UINT64_MAX;
		}
		struct epoll_event e = { .events = EPOLLIN | EPOLLOUT, .data.u32 = i };
		epoll_ctl(ep, EPOLL_CTL_ADD, c[i].fd, &e);
		open_conns++;
	}
	uint32_t hdr = rr ? size : 0;
	long answers = 0;
	uint64_t sent = 0, retrans = 0, acked = 0;
	struct epoll_event evs[64];
	while (open_conns && !reached && !stop && now() < end) {
		int n = epoll_wait(ep, evs, 64, 100);
		for (int k = 0; k < n; k++) {
			struct conn *x = &c[evs[k].data.u32];
			if (x->done)
				continue;
			if (evs[k].events & (EPOLLIN | EPOLLERR | EPOLLHUP)) {
				ssize_t r = read(x->fd, buf, sizeof(buf));
				if (r == 0 || (r < 0 && errno != EAGAIN)) { /* the server closed: all received */
					if (!x->closing)
						fprintf(stderr, "lossy: connection %u ended early\n", evs[k].data.u32);
					info(x->fd, &retrans, NULL);
					close(x->fd);
					x->done = 1;
					open_conns--;
					continue;
				}
				if (r > 0 && rr && x->waiting) { /* one answer byte: the next request */
					answers += r;
					x->waiting = 0;
					if (x->reqs_left > 0) {
						x->reqs_left--;
						x->to_send = size;
					}
				}
			}
			while (x->hdr_sent < 4 || x->to_send) {
				ssize_t w;
				if (x->hdr_sent < 4)
					w = send(x->fd, (char *)&hdr + x->hdr_sent, 4 - x->hdr_sent, MSG_NOSIGNAL | MSG_MORE);
				else
					w = send(x->fd, buf, x->to_send < CHUNK ? x->to_send : CHUNK, MSG_NOSIGNAL);
				if (w < 0)
					break;
				if (x->hdr_sent < 4) {
					x->hdr_sent += w;
					continue;
				}
				x->to_send -= w;
				sent += w;
				if (rr && !x->to_send)
					x->waiting = 1;
			}
			if (rr && !x->closing && x->hdr_sent == 4 && !x->to_send && !x->waiting && x->reqs_left <= 0) {
				shutdown(x->fd, SHUT_WR);
				x->closing = 1;
			}
			struct epoll_event e = { .events = EPOLLIN | (x->to_send || x->hdr_sent < 4 ? EPOLLOUT : 0), .data.u32 = evs[k].data.u32 };
			epoll_ctl(ep, EPOLL_CTL_MOD, x->fd, &e);
			if (!rr) { /* done once BYTES are acknowledged in all (headers included: 4 B each) */
				uint64_t a = 0;
				info(x->fd, NULL, &a);
				acked += a - x->acked;
				x->acked = a;
				if (acked >= bytes) {
					reached = 1;
					break;
				}
			}
		}
	}
	double wall = now() - t0;
	if (!rr) { /* reset every connection: none is left retransmitting after the run */
		struct linger lg = { .l_onoff = 1, .l_linger = 0 };
		for (int i = 0; i < conns; i++) {
			info(c[i].fd, &retrans, NULL);
			setsockopt(c[i].fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
			close(c[i].fd);
		}
		open_conns = !reached;
	}
	long long rtx1 = retrans_segs();
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	printf("conns=%d bytes=%llu reqs=%ld wall_s=%.4f retrans=%llu rtx_segs=%lld work_cpu_s=%.3f\n", conns,
	       (unsigned long long)(rr ? sent : acked), answers, wall, (unsigned long long)retrans,
	       rtx0 < 0 || rtx1 < 0 ? -1 : rtx1 - rtx0,
	       ru.ru_utime.tv_sec + ru.ru_stime.tv_sec + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6);
	if (open_conns) {
		fprintf(stderr, "lossy: unfinished after %.0f s\n", seconds);
		return 3;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_signal };
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (argc == 4 && !strcmp(argv[1], "serve"))
		return serve(atoi(argv[2]), atof(argv[3]));
	if (argc == 7 && !strcmp(argv[1], "bulk")) {
		int conns = atoi(argv[4]);
		if (conns < 1 || conns > MAX_CONNS) {
			fprintf(stderr, "lossy: CONNS 1..%d\n", MAX_CONNS);
			return 2;
		}
		return client(0, argv[2], atoi(argv[3]), conns, strtoull(argv[5], NULL, 10), 0, 0, atof(argv[6]));
	}
	if (argc == 8 && !strcmp(argv[1], "rr")) {
		int conns = atoi(argv[4]);
		long reqs = atol(argv[5]);
		int size = atoi(argv[6]);
		if (conns < 1 || conns > MAX_CONNS || reqs < conns || size < 1 || size > CHUNK) {
			fprintf(stderr, "lossy: CONNS 1..%d, REQS >= CONNS, SIZE 1..%d\n", MAX_CONNS, CHUNK);
			return 2;
		}
		return client(1, argv[2], atoi(argv[3]), conns, 0, reqs, size, atof(argv[7]));
	}
	fprintf(stderr, "usage: lossy serve PORT SECONDS | lossy bulk DST PORT CONNS BYTES SECONDS |\n"
			"       lossy rr DST PORT CONNS REQS SIZE SECONDS\n");
	return 2;
}
