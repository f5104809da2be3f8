/* doctor benchmark workload: one bulk TCP stream over loopback, a fixed number of bytes.
 *
 *   bulk PORT BYTES [CHUNK [SENDER_CPU RECEIVER_CPU]]
 *        send BYTES (at most 1 TB) in CHUNK-byte send() calls (default 128 KiB; the receiver reads
 *        with the same size); with CPUs, the sender and receiver threads are pinned to them (-1:
 *        not pinned). Loopback's receive path runs in the sender's softirq, on the sender's CPU.
 *
 * A receiver thread on 127.0.0.1:PORT accepts one connection, reads to EOF counting bytes, and
 * answers with the count (8 bytes); the sender connects, sends BYTES, shuts down its side and
 * waits for that count, so the time covers every byte received. Prints one line:
 *   bytes=B wall_s=S gbit_s=G sends=N recvs=M work_cpu_s=C
 * (work_cpu_s: this process's user+sys CPU, both threads, softirq work they ran included.)
 * Only loopback; every loop is bounded by the byte count.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static int lfd;
static size_t chunk = 128 * 1024;
static long long received, recvs;
static int receiver_cpu = -1;

static void pin(int cpu)
{
	if (cpu < 0)
		return;
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (pthread_setaffinity_np(pthread_self(), sizeof(set), &set))
		fprintf(stderr, "bulk: pinning to CPU %d failed\n", cpu);
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void *receiver(void *arg)
{
	(void)arg;
	pin(receiver_cpu);
	char *buf = malloc(chunk);
	int c;
	do
		c = accept(lfd, NULL, NULL);
	while (c < 0 && errno == EINTR);
	if (c < 0 || !buf) {
		received = -1;
		return NULL;
	}
	for (;;) {
		ssize_t n = recv(c, buf, chunk, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		received += n;
		recvs++;
	}
	long long got = received;
	if (send(c, &got, sizeof(got), MSG_NOSIGNAL) != sizeof(got))
		received = -1;
	close(c);
	free(buf);
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: %s PORT BYTES [CHUNK]\n", argv[0]);
		return 2;
	}
	int port = atoi(argv[1]);
	long long bytes = atoll(argv[2]);
	if (argc > 3)
		chunk = strtoul(argv[3], NULL, 0);
	int sender_cpu = argc > 5 ? atoi(argv[4]) : -1;
	if (argc > 5)
		receiver_cpu = atoi(argv[5]);
	if (bytes < 1 || bytes > (1LL << 40) || chunk < 1 || chunk > (64 << 20)) {
		fprintf(stderr, "bulk: BYTES 1..2^40, CHUNK 1..64 MiB\n");
		return 2;
	}
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port) };
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	int one = 1;
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) || listen(lfd, 16)) {
		perror("bulk: listening");
		return 1;
	}
	pthread_t rt;
	pthread_create(&rt, NULL, receiver, NULL);
	pin(sender_cpu);
	char *buf = malloc(chunk);
	if (!buf)
		return 1;
	memset(buf, 'b', chunk);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	double t0 = now();
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		perror("bulk: connecting");
		return 1;
	}
	long long sent = 0, sends = 0;
	while (sent < bytes) {
		size_t len = bytes - sent < (long long)chunk ? (size_t)(bytes - sent) : chunk;
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			perror("bulk: sending");
			return 1;
		}
		sent += n;
		sends++;
	}
	shutdown(fd, SHUT_WR);
	long long got = -1;
	size_t off = 0;
	while (off < sizeof(got)) {
		ssize_t n = recv(fd, (char *)&got + off, sizeof(got) - off, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		off += n;
	}
	double wall = now() - t0;
	close(fd);
	pthread_join(rt, NULL);
	close(lfd);
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	double cpu = ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
	printf("bytes=%lld wall_s=%.4f gbit_s=%.2f sends=%lld recvs=%lld work_cpu_s=%.3f\n", received, wall, received * 8 / wall / 1e9,
	       sends, recvs, cpu);
	return (got == bytes && received == bytes) ? 0 : 1;
}
