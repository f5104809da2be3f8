/* statson: runs a command with the kernel's BPF run-time statistics on (BPF_ENABLE_STATS: each
 * program's run_cnt and run_time_ns in /proc/PID/fdinfo and bpftool), then turns them off again
 * by closing the fd, on any exit of this process (unlike the kernel.bpf_stats_enabled sysctl,
 * nothing is left set behind).
 *
 *   statson CMD ARGS...
 */
#include <linux/bpf.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile pid_t child;
static void on_signal(int sig) { if (child > 0) kill(child, sig); }

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: statson CMD ARGS...\n");
		return 2;
	}
	union bpf_attr attr;
	memset(&attr, 0, sizeof(attr));
	attr.enable_stats.type = BPF_STATS_RUN_TIME;
	int fd = syscall(__NR_bpf, BPF_ENABLE_STATS, &attr, sizeof(attr));
	if (fd < 0) {
		perror("statson: BPF_ENABLE_STATS");
		return 1;
	}
	struct sigaction sa = { .sa_handler = on_signal };
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	child = fork();
	if (child == 0) {
		close(fd);
		execvp(argv[1], argv + 1);
		perror("statson: exec");
		_exit(127);
	}
	int st = 0;
	while (waitpid(child, &st, 0) < 0)
		;
	close(fd);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}
