/* docrun: runs one tracer (the doctor, or the floor) around one workload and measures both.
 *
 *   docrun OUT ERR READY END -- TRACER ARGS... [::: WORKLOAD ARGS...]
 *   docrun - - - - ::: WORKLOAD ARGS...      (no tracer: the workload measured the same way)
 *
 * READY says when the tracer is attached: "links:N" (N bpf_link fds open in the tracer: the
 * doctor prints nothing when its probes are in, so its fds are counted) or "err:PATTERN" (PATTERN
 * in ERR). The tracer's stdout goes to OUT, its stderr to ERR. Once it is ready the WORKLOAD runs
 * to its end (its stdout is ours); then END: "wait" lets the tracer end by itself (the doctor's
 * window, -d), "int" sends it SIGINT. Without a workload the tracer just runs to its end (an idle
 * window). The tracer is reaped with wait4() for its CPU time and peak RSS. Prints:
 *   attach_ms=A cpu_start_s=C0 cpu_work_s=C1 cpu_s=C maxrss_kb=M life_s=L covered=0|1 rc=R work_rc=W
 * cpu_start_s: the tracer's CPU when ready; cpu_work_s: when the workload ended (/proc/PID/stat
 * utime+stime); cpu_s: at exit (rusage); maxrss_kb: ru_maxrss (its VmHWM); life_s: spawn to
 * exit; covered=1 when the tracer was still running when the workload ended (else the window did
 * not cover the workload). And, over the workload's run:
 *   work_s=W work_rusage_s=U others_s=O steal_s=S
 * its wall time and CPU (rusage), the CPU that neither it, the tracer nor ksoftirqd used (the
 * machine's busy time in /proc/stat minus those: other people's work on a shared machine), and
 * the time the hypervisor gave to others (steal). Every wait is bounded; on SIGINT/SIGTERM/SIGHUP
 * it ends only the two processes it started.
 */
#define _GNU_SOURCE
#include <dirent.h>
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
		perror("docrun: fork");
		exit(1);
	}
	if (p == 0) {
		const char *files[2] = { out, err };
		for (int i = 0; i < 2; i++) {
			if (!files[i])
				continue;
			int fd = open(files[i], O_WRONLY | O_CREAT | O_TRUNC, 0644);
			if (fd < 0 || dup2(fd, i + 1) < 0)
				_exit(126);
			close(fd);
		}
		execvp(argv[0], argv);
		fprintf(stderr, "docrun: exec %s: %s\n", argv[0], strerror(errno));
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

/* bpf_link fds the process holds */
static int links_of(pid_t pid)
{
	char dir[64], path[320], target[64];
	snprintf(dir, sizeof(dir), "/proc/%d/fd", pid);
	DIR *d = opendir(dir);
	if (!d)
		return -1;
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		ssize_t len = readlink(path, target, sizeof(target) - 1);
		if (len > 0) {
			target[len] = 0;
			if (!strcmp(target, "anon_inode:bpf_link"))
				n++;
		}
	}
	closedir(d);
	return n;
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
			fprintf(stderr, "docrun: pid %d still running after %.0f s: killing it\n", pid, timeout_s);
			kill(pid, SIGKILL);
			wait4(pid, &status, 0, ru);
			return status;
		}
		usleep(1000);
	}
}

static int code(int st) { return WIFEXITED(st) ? WEXITSTATUS(st) : st < 0 ? -1 : 128 + WTERMSIG(st); }

/* The machine's busy and steal time so far, s (/proc/stat "cpu": user nice system idle iowait irq
 * softirq steal). */
static void machine_cpu(double *busy, double *steal)
{
	unsigned long long v[8] = { 0 };
	FILE *f = fopen("/proc/stat", "r");
	if (!f || fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]) != 8)
		memset(v, 0, sizeof(v));
	if (f)
		fclose(f);
	double hz = sysconf(_SC_CLK_TCK);
	*busy = (v[0] + v[1] + v[2] + v[5] + v[6]) / hz;
	*steal = v[7] / hz;
}

/* CPU of the ksoftirqd threads, s: softirq work the kernel deferred from the workload. */
static double ksoftirqd_cpu(void)
{
	double sum = 0;
	DIR *d = opendir("/proc");
	if (!d)
		return 0;
	struct dirent *e;
	char path[300], comm[64];
	while ((e = readdir(d))) {
		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/comm", e->d_name);
		FILE *f = fopen(path, "r");
		if (!f)
			continue;
		int ok = fgets(comm, sizeof(comm), f) && !strncmp(comm, "ksoftirqd/", 10);
		fclose(f);
		if (ok) {
			double c = proc_cpu(atoi(e->d_name));
			if (c > 0)
				sum += c;
		}
	}
	closedir(d);
	return sum;
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_signal };
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);

	if (argc >= 7 && !strcmp(argv[1], "-") && !strcmp(argv[5], ":::")) {
		double b0, s0, b1, s1;
		double k0 = ksoftirqd_cpu();
		machine_cpu(&b0, &s0);
		double t0 = now();
		work_pid = spawn(argv + 6, NULL, NULL);
		struct rusage ru;
		memset(&ru, 0, sizeof(ru));
		int wst = reap(work_pid, 600, &ru);
		double wall = now() - t0;
		work_pid = 0;
		machine_cpu(&b1, &s1);
		double k1 = ksoftirqd_cpu();
		double work = ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
		fflush(stdout);
		printf("work_s=%.4f work_rusage_s=%.3f others_s=%.3f steal_s=%.3f rc=0 work_rc=%d\n", wall, work,
		       (b1 - b0) - work - (k1 - k0), s1 - s0, code(wst));
		return 0;
	}
	if (argc < 7 || strcmp(argv[5], "--") || (strcmp(argv[4], "wait") && strcmp(argv[4], "int"))) {
		fprintf(stderr, "usage: docrun OUT ERR links:N|err:PATTERN wait|int -- TRACER... [::: WORKLOAD...]\n");
		return 2;
	}
	const char *out = argv[1], *err = argv[2], *ready_at = argv[3];
	int wait_end = !strcmp(argv[4], "wait");
	int want_links = -1;
	const char *pattern = NULL;
	if (!strncmp(ready_at, "links:", 6))
		want_links = atoi(ready_at + 6);
	else if (!strncmp(ready_at, "err:", 4))
		pattern = ready_at + 4;
	if (want_links < 1 && !pattern) {
		fprintf(stderr, "docrun: READY is links:N (N >= 1) or err:PATTERN\n");
		return 2;
	}
	char **tracer = argv + 6, **work = NULL;
	for (int i = 6; i < argc; i++)
		if (!strcmp(argv[i], ":::")) {
			argv[i] = NULL;
			work = argv + i + 1;
			break;
		}
	int fd = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0644); /* no pattern left from an earlier run */
	if (fd >= 0)
		close(fd);

	double t0 = now();
	tracer_pid = spawn(tracer, out, err);
	double ready = -1, cpu_start = -1;
	while (now() - t0 < 30) {
		if (pattern ? file_has(err, pattern) : links_of(tracer_pid) >= want_links) {
			ready = now();
			cpu_start = proc_cpu(tracer_pid);
			break;
		}
		int st;
		if (waitpid(tracer_pid, &st, WNOHANG) == tracer_pid) {
			tracer_pid = 0;
			fprintf(stderr, "docrun: tracer exited (status %d) before it was ready (see %s)\n", code(st), err);
			return 1;
		}
		usleep(1000);
	}
	if (ready < 0) {
		fprintf(stderr, "docrun: tracer not ready after 30 s\n");
		kill(tracer_pid, SIGKILL);
		reap(tracer_pid, 5, NULL);
		return 1;
	}

	int wst = 0, covered = 1;
	double cpu_work = -1, wall = 0, work_cpu = 0, others = 0, steal = 0;
	if (work && work[0]) {
		double b0, s0, b1, s1;
		double k0 = ksoftirqd_cpu(), c0 = proc_cpu(tracer_pid);
		machine_cpu(&b0, &s0);
		double w0 = now();
		work_pid = spawn(work, NULL, NULL);
		struct rusage wru;
		memset(&wru, 0, sizeof(wru));
		wst = reap(work_pid, 600, &wru);
		wall = now() - w0;
		work_pid = 0;
		machine_cpu(&b1, &s1);
		cpu_work = proc_cpu(tracer_pid);
		double k1 = ksoftirqd_cpu();
		work_cpu = wru.ru_utime.tv_sec + wru.ru_utime.tv_usec / 1e6 + wru.ru_stime.tv_sec + wru.ru_stime.tv_usec / 1e6;
		others = (b1 - b0) - work_cpu - (k1 - k0) - (cpu_work >= 0 && c0 >= 0 ? cpu_work - c0 : 0);
		steal = s1 - s0;
		int st;
		covered = cpu_work >= 0 && waitpid(tracer_pid, &st, WNOHANG) == 0;
		if (!wait_end)
			kill(tracer_pid, SIGINT);
	}
	struct rusage ru;
	memset(&ru, 0, sizeof(ru));
	int tst = reap(tracer_pid, wait_end ? 3600 : 30, &ru);
	double life = now() - t0;
	tracer_pid = 0;
	double cpu = ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
	fflush(stdout);
	printf("attach_ms=%.2f cpu_start_s=%.3f cpu_work_s=%.3f cpu_s=%.3f maxrss_kb=%ld life_s=%.3f covered=%d rc=%d work_rc=%d",
	       (ready - t0) * 1e3, cpu_start, cpu_work, cpu, ru.ru_maxrss, life, covered, code(tst), code(wst));
	if (work && work[0])
		printf(" work_s=%.4f work_rusage_s=%.3f others_s=%.3f steal_s=%.3f", wall, work_cpu, others, steal);
	printf("\n");
	return 0;
}
