/* tracerun: runs one tracer around one workload and measures the tracer.
 *
 *   tracerun OUT ERR WATCH PATTERN -- TRACER ARGS... ::: WORKLOAD ARGS...
 *   tracerun time -- CMD ARGS...            (spawn-to-exit wall time of CMD, ms)
 *
 * Starts TRACER with stdout -> OUT and stderr -> ERR (files, so the tracer's output costs
 * what it costs with a file), polls WATCH (which is OUT or ERR) every 0.5 ms until PATTERN
 * appears (launch-to-attached), runs WORKLOAD to its end (its stdout is ours), then sends
 * the tracer SIGINT and reaps it with wait4() for its CPU time. Prints:
 *   attach_ms=A cpu_start_s=C0 cpu_s=C rc=R
 * cpu_start_s is the tracer's CPU when it became ready (/proc/PID/stat utime+stime), cpu_s
 * its total (rusage, children included). Every wait is bounded; on SIGINT/SIGTERM/SIGHUP
 * it ends only the two processes it started.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile pid_t tracer_pid, work_pid;

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void on_signal(int sig)
{
	if (work_pid > 0)
		kill(work_pid, SIGKILL);
	if (tracer_pid > 0)
		kill(tracer_pid, SIGKILL);
	_exit(128 + sig);
}

static pid_t spawn(char **argv, const char *out, const char *err)
{
	pid_t p = fork();
	if (p < 0) {
		perror("tracerun: fork");
		exit(1);
	}
	if (p == 0) {
		if (out) {
			int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
			if (fd < 0 || dup2(fd, 1) < 0)
				_exit(126);
			close(fd);
		}
		if (err) {
			int fd = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0644);
			if (fd < 0 || dup2(fd, 2) < 0)
				_exit(126);
			close(fd);
		}
		execvp(argv[0], argv);
		fprintf(stderr, "tracerun: exec %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	return p;
}

static int file_has(const char *path, const char *pattern)
{
	static char buf[1 << 16];
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return 0;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	return strstr(buf, pattern) != NULL;
}

static double proc_cpu(pid_t pid)
{
	char path[64], buf[4096];
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	char *p = strrchr(buf, ')'); /* comm may hold spaces: fields restart after ')' */
	if (!p)
		return -1;
	unsigned long ut = 0, st = 0;
	/* after ')': state(3) ... utime is field 14, stime 15 */
	if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2)
		return -1;
	return (double)(ut + st) / sysconf(_SC_CLK_TCK);
}

/* waitpid with a deadline; SIGKILL after it. Returns the wait status. */
static int reap(pid_t pid, double timeout_s, struct rusage *ru)
{
	double end = now() + timeout_s;
	int status = 0;
	for (;;) {
		pid_t r = wait4(pid, &status, WNOHANG, ru);
		if (r == pid)
			return status;
		if (r < 0)
			return -1;
		if (now() > end) {
			fprintf(stderr, "tracerun: pid %d still running after %.0f s: killing it\n", pid, timeout_s);
			kill(pid, SIGKILL);
			wait4(pid, &status, 0, ru);
			return status;
		}
		usleep(1000);
	}
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_signal };
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);

	if (argc >= 4 && !strcmp(argv[1], "time") && !strcmp(argv[2], "--")) {
		double t0 = now();
		work_pid = spawn(argv + 3, "/dev/null", NULL);
		int st = reap(work_pid, 30, NULL);
		printf("wall_ms=%.2f rc=%d\n", (now() - t0) * 1e3, WIFEXITED(st) ? WEXITSTATUS(st) : -1);
		return 0;
	}
	if (argc < 8 || strcmp(argv[5], "--")) {
		fprintf(stderr, "usage: tracerun OUT ERR WATCH PATTERN -- TRACER... ::: WORKLOAD...\n");
		return 2;
	}
	const char *out = argv[1], *err = argv[2], *watch = argv[3], *pattern = argv[4];
	char **tracer = argv + 6, **work = NULL;
	for (int i = 6; i < argc; i++)
		if (!strcmp(argv[i], ":::")) {
			argv[i] = NULL;
			work = argv + i + 1;
			break;
		}
	if (!work || !work[0]) {
		fprintf(stderr, "tracerun: no workload after :::\n");
		return 2;
	}

	/* Empty both files before the spawn: a pattern left from an earlier run must not count. */
	for (int i = 0; i < 2; i++) {
		int fd = open(i ? err : out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd < 0) {
			perror("tracerun: opening output");
			return 1;
		}
		close(fd);
	}
	double t0 = now();
	tracer_pid = spawn(tracer, out, err);
	double ready = -1, cpu_start = -1;
	while (now() - t0 < 30) {
		if (file_has(watch, pattern)) {
			ready = now();
			cpu_start = proc_cpu(tracer_pid);
			break;
		}
		int st;
		if (waitpid(tracer_pid, &st, WNOHANG) == tracer_pid) {
			tracer_pid = 0;
			fprintf(stderr, "tracerun: tracer exited before it was ready (see %s)\n", err);
			return 1;
		}
		usleep(500);
	}
	if (ready < 0) {
		fprintf(stderr, "tracerun: tracer not ready after 30 s\n");
		kill(tracer_pid, SIGKILL);
		reap(tracer_pid, 5, NULL);
		return 1;
	}

	work_pid = spawn(work, NULL, NULL);
	int wst = reap(work_pid, 300, NULL);
	work_pid = 0;
	usleep(100000); /* let a polling consumer see the last records before it is told to stop */
	kill(tracer_pid, SIGINT);
	struct rusage ru;
	memset(&ru, 0, sizeof(ru));
	int tst = reap(tracer_pid, 30, &ru);
	tracer_pid = 0;
	double cpu = ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
	fflush(stdout);
	printf("attach_ms=%.2f cpu_start_s=%.3f cpu_s=%.3f rc=%d work_rc=%d\n", (ready - t0) * 1e3, cpu_start, cpu,
	       WIFEXITED(tst) ? WEXITSTATUS(tst) : 128 + WTERMSIG(tst), WIFEXITED(wst) ? WEXITSTATUS(wst) : -1);
	return 0;
}
