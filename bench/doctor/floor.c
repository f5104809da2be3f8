/* floor: attaches every program of a BPF object (floor.bpf.o: empty programs on the doctor's
 * hooks) and holds them until SIGINT/SIGTERM/SIGHUP or at most SECONDS.
 *
 *   floor OBJECT [SECONDS [PROGRAM...]]    (default 600 s; every program, or those named)
 *   floor - [SECONDS]                      the waker: the same 10 ms loop, nothing attached
 *
 * Prints "floor: N programs attached" on stderr once every program is attached. Nothing is
 * pinned: the links die with the process on any exit, even SIGKILL.
 */
#include <bpf/libbpf.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t stop;
static void on_signal(int sig) { (void)sig; stop = 1; }

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: floor OBJECT [SECONDS]\n");
		return 2;
	}
	double seconds = argc > 2 ? atof(argv[2]) : 600;
	struct sigaction sa = { .sa_handler = on_signal };
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	if (!strcmp(argv[1], "-")) { /* the waker */
		for (long i = 0; !stop && i < (long)(seconds * 100); i++)
			usleep(10000);
		return 0;
	}
	libbpf_set_strict_mode(LIBBPF_STRICT_ALL);
	struct bpf_object *obj = bpf_object__open_file(argv[1], NULL);
	if (!obj || libbpf_get_error(obj)) {
		fprintf(stderr, "floor: opening %s failed\n", argv[1]);
		return 1;
	}
	if (bpf_object__load(obj)) {
		fprintf(stderr, "floor: loading %s failed\n", argv[1]);
		return 1;
	}
	struct bpf_program *p;
	struct bpf_link *links[64];
	int n = 0, rc = 0;
	bpf_object__for_each_program(p, obj) {
		int wanted = argc <= 3;
		for (int i = 3; i < argc; i++)
			wanted |= !strcmp(argv[i], bpf_program__name(p));
		if (!wanted)
			continue;
		struct bpf_link *l = n < 64 ? bpf_program__attach(p) : NULL;
		if (!l || libbpf_get_error(l)) {
			fprintf(stderr, "floor: attaching %s failed\n", bpf_program__name(p));
			rc = 1;
			break;
		}
		links[n++] = l;
	}
	if (!rc) {
		fprintf(stderr, "floor: %d programs attached\n", n);
		for (long i = 0; !stop && i < (long)(seconds * 100); i++)
			usleep(10000);
	}
	for (int i = 0; i < n; i++)
		bpf_link__destroy(links[i]);
	bpf_object__close(obj);
	return rc;
}
