/* The per-call workload of the toolbox benchmark: one loopback TCP connection (127.0.0.1, an
 * ephemeral port, TCP_NODELAY both ways) on which one thread makes N socket calls: send 64 bytes
 * on one end, recv them on the other, send 64 back, recv them (4 calls a turn), so every call is
 * one sock:sock_send_length or sock_recv_length event in this process.
 *
 *   sockio N          (N calls, a multiple of 4, at most 20,000,000)
 *
 * Prints one line:  calls=N wall_s=S rate=R work_cpu_s=C
 * Only loopback; the loop is bounded by N; a short read or an error stops it (exit 1).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MSG 64

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int xfer(int from, int to, char *buf)
{
	if (send(from, buf, MSG, MSG_NOSIGNAL) != MSG)
		return -1;
	size_t got = 0;
	while (got < MSG) { /* one call almost always: the data is queued when send() returns */
		ssize_t n = recv(to, buf + got, MSG - got, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		got += n;
	}
	return 0;
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 0;
	if (n < 4 || n > 20000000 || n % 4) {
		fprintf(stderr, "usage: %s N   (calls: a multiple of 4, 4..20000000)\n", argv[0]);
		return 2;
	}
	struct sockaddr_in sa = { .sin_family = AF_INET };
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	socklen_t len = sizeof(sa);
	int one = 1;
	int l = socket(AF_INET, SOCK_STREAM, 0), a = socket(AF_INET, SOCK_STREAM, 0);
	if (l < 0 || a < 0 || bind(l, (struct sockaddr *)&sa, sizeof(sa)) || listen(l, 1) ||
	    getsockname(l, (struct sockaddr *)&sa, &len) || connect(a, (struct sockaddr *)&sa, sizeof(sa))) {
		perror("sockio: connecting");
		return 1;
	}
	int b = accept(l, NULL, NULL);
	if (b < 0) {
		perror("sockio: accept");
		return 1;
	}
	close(l);
	setsockopt(a, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	setsockopt(b, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	char buf[MSG] = { 0 };
	long calls = 0;
	double t0 = now();
	for (long i = 0; i < n / 4; i++) {
		if (xfer(a, b, buf) || xfer(b, a, buf)) {
			fprintf(stderr, "sockio: transfer failed after %ld calls\n", calls);
			return 1;
		}
		calls += 4;
	}
	double wall = now() - t0;
	close(a);
	close(b);
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	double cpu = ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
	printf("calls=%ld wall_s=%.4f rate=%.0f work_cpu_s=%.3f\n", calls, wall, calls / wall, cpu);
	return 0;
}
