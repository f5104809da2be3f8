/* flood: the packet workload of bench/packets. Sends COUNT UDP datagrams of SIZE bytes to
 * DST:PORT with sendmmsg (batches of 64) as fast as one thread can, and prints
 * "packets=N wall_s=S rate=R work_cpu_s=C". `flood sink PORT RCVBUF SECONDS` binds a UDP socket
 * with a small receive buffer and never reads it, so the datagrams that reach it are dropped as
 * SOCKET_RCVBUFF (for skbdrop); it exits after SECONDS at most.
 *
 *   flood DST PORT COUNT SIZE
 *   flood sink PORT RCVBUF SECONDS
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int sink(int port, int rcvbuf, double seconds)
{
	int s = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	setsockopt(s, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof(a))) {
		perror("flood sink: bind");
		return 1;
	}
	fprintf(stderr, "flood sink: bound\n");
	double end = now() + seconds;
	while (now() < end)
		usleep(100000);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 5 && !strcmp(argv[1], "sink"))
		return sink(atoi(argv[2]), atoi(argv[3]), atof(argv[4]));
	if (argc != 5) {
		fprintf(stderr, "usage: flood DST PORT COUNT SIZE | flood sink PORT RCVBUF SECONDS\n");
		return 2;
	}
	long count = atol(argv[3]);
	int size = atoi(argv[4]);
	if (count < 1 || count > 100000000 || size < 1 || size > 1400) {
		fprintf(stderr, "flood: COUNT 1..1e8, SIZE 1..1400\n");
		return 2;
	}
	int s = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in d = { .sin_family = AF_INET, .sin_port = htons(atoi(argv[2])) };
	if (s < 0 || inet_pton(AF_INET, argv[1], &d.sin_addr) != 1 || connect(s, (struct sockaddr *)&d, sizeof(d))) {
		perror("flood: connect");
		return 1;
	}
	static char buf[1400];
	struct mmsghdr m[64];
	struct iovec v[64];
	for (int i = 0; i < 64; i++) {
		v[i] = (struct iovec){ buf, size };
		m[i] = (struct mmsghdr){ .msg_hdr = { .msg_iov = &v[i], .msg_iovlen = 1 } };
	}
	double t0 = now();
	long sent = 0;
	while (sent < count) {
		int n = count - sent < 64 ? count - sent : 64;
		int r = sendmmsg(s, m, n, 0);
		if (r < 0) {
			/* a full qdisc (ENOBUFS) is the bench's business, not an error: count and go on */
			sent += n;
			continue;
		}
		sent += r;
	}
	double wall = now() - t0;
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	printf("packets=%ld wall_s=%.4f rate=%.0f work_cpu_s=%.3f\n", sent, wall, sent / wall,
	       ru.ru_utime.tv_sec + ru.ru_stime.tv_sec + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6);
	return 0;
}
