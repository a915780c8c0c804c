/* timeit KEY RUNS PROGRAM ARGS...: runs PROGRAM RUNS times (fork, execv,
 * wait), timing each with clock_gettime(CLOCK_MONOTONIC), and prints
 * `row: KEY MS ms` per run, the format of posix_bench.c. The shell rows
 * of `make bench` (a dash loop, /bin/true x500) are timed with it. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc < 4) {
		printf("bench: error: usage: timeit KEY RUNS PROGRAM ARGS...\n");
		return 2;
	}
	int runs = atoi(argv[2]);
	for (int run = 0; run < runs; run++) {
		struct timespec a, b;
		clock_gettime(CLOCK_MONOTONIC, &a);
		pid_t kid = fork();
		if (kid == 0) {
			execv(argv[3], argv + 3);
			_exit(127);
		}
		int status;
		if (kid < 0 || waitpid(kid, &status, 0) != kid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
			printf("bench: error: %s failed\n", argv[3]);
			return 1;
		}
		clock_gettime(CLOCK_MONOTONIC, &b);
		double ms = (double)(b.tv_sec - a.tv_sec) * 1e3 + (double)(b.tv_nsec - a.tv_nsec) / 1e6;
		printf("row: %s %.3f ms\n", argv[1], ms);
		fflush(stdout);
	}
	return 0;
}
