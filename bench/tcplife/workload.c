/* tcplife benchmark workload: loopback TCP sessions, each 2 KB up and 4 KB down.
 *
 *   workload seq  PORT N                 N sequential connections, one client thread
 *   workload rate PORT THREADS SECONDS   THREADS concurrent clients for SECONDS (at most
 *                                        2,000,000 connections in all): the highest rate
 *
 * A server thread pool on 127.0.0.1:PORT accepts, reads 2048 bytes, writes 4096 and closes
 * (the server closes first, like an HTTP/1.0 server, so TIME_WAIT stays on the server side
 * and client ports are not used up). Prints one line:
 *   conns=N wall_s=S rate=R errors=E work_cpu_s=C
 * (work_cpu_s: this process's user+sys CPU, all threads, softirq work it ran included.)
 * Only loopback; every loop is bounded in count and time.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define UP 2048
#define DOWN 4096
#define MAX_CONNS 2000000L
#define SERVER_THREADS 4

static int port;
static int lfd;
static atomic_long done_conns;
static atomic_long errors;
static atomic_int stop_clients;
static long per_client_limit;
static double deadline;

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int full_io(int fd, char *buf, size_t len, int wr)
{
	size_t off = 0;
	while (off < len) {
		ssize_t n = wr ? send(fd, buf + off, len - off, MSG_NOSIGNAL) : recv(fd, buf + off, len - off, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		off += n;
	}
	return 0;
}

static void *server(void *arg)
{
	(void)arg;
	char up[UP], down[DOWN];
	memset(down, 'd', sizeof(down));
	for (;;) {
		int c = accept(lfd, NULL, NULL);
		if (c < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			return NULL; /* listener shut down: the run is over */
		}
		if (full_io(c, up, UP, 0) || full_io(c, down, DOWN, 1))
			atomic_fetch_add(&errors, 1);
		close(c);
	}
}

static int one_session(const struct sockaddr_in *sa)
{
	char up[UP], down[DOWN + 1];
	memset(up, 'u', sizeof(up));
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		return -1;
	int rc = -1;
	if (connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) == 0 && full_io(fd, up, UP, 1) == 0) {
		size_t got = 0;
		for (;;) { /* read to EOF: the server closes after its 4 KB */
			ssize_t n = recv(fd, down, sizeof(down), 0);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				rc = (n == 0 && got == DOWN) ? 0 : -1;
				break;
			}
			got += n;
		}
	}
	close(fd);
	return rc;
}

static void *client(void *arg)
{
	const struct sockaddr_in *sa = arg;
	for (long i = 0; i < per_client_limit && !atomic_load(&stop_clients); i++) {
		if (one_session(sa) == 0)
			atomic_fetch_add(&done_conns, 1);
		else
			atomic_fetch_add(&errors, 1);
		if ((i & 63) == 0 && deadline > 0 && now() > deadline)
			break;
		if (atomic_load(&errors) > 100) /* something is wrong: stop rather than spin */
			break;
	}
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc < 4 || (strcmp(argv[1], "seq") && strcmp(argv[1], "rate")) || (!strcmp(argv[1], "rate") && argc < 5)) {
		fprintf(stderr, "usage: %s seq PORT N | rate PORT THREADS SECONDS\n", argv[0]);
		return 2;
	}
	int rate_mode = !strcmp(argv[1], "rate");
	port = atoi(argv[2]);
	int nclients = 1;
	double seconds = 0;
	if (rate_mode) {
		nclients = atoi(argv[3]);
		seconds = atof(argv[4]);
		if (nclients < 1 || nclients > 64 || seconds <= 0 || seconds > 60) {
			fprintf(stderr, "workload: THREADS 1..64, SECONDS 0..60\n");
			return 2;
		}
		per_client_limit = MAX_CONNS / nclients;
	} else {
		per_client_limit = atol(argv[3]);
		if (per_client_limit < 1 || per_client_limit > MAX_CONNS) {
			fprintf(stderr, "workload: N 1..%ld\n", MAX_CONNS);
			return 2;
		}
	}

	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port) };
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	int one = 1;
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) || listen(lfd, 4096)) {
		perror("workload: listening");
		return 1;
	}
	pthread_t srv[SERVER_THREADS], cli[64];
	for (int i = 0; i < SERVER_THREADS; i++)
		pthread_create(&srv[i], NULL, server, NULL);

	double t0 = now();
	if (rate_mode)
		deadline = t0 + seconds;
	for (int i = 0; i < nclients; i++)
		pthread_create(&cli[i], NULL, client, &sa);
	for (int i = 0; i < nclients; i++)
		pthread_join(cli[i], NULL);
	double wall = now() - t0;

	shutdown(lfd, SHUT_RDWR); /* wakes the accept()ing server threads */
	for (int i = 0; i < SERVER_THREADS; i++)
		pthread_join(srv[i], NULL);
	close(lfd);
	long n = atomic_load(&done_conns);
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	double cpu = ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
	printf("conns=%ld wall_s=%.4f rate=%.0f errors=%ld work_cpu_s=%.3f\n", n, wall, n / wall, atomic_load(&errors), cpu);
	return atomic_load(&errors) ? 1 : 0;
}
