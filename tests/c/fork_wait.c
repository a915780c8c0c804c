/* fork and wait: children exit with their own statuses and are reaped by
 * pid and by "any child"; a child sees its own pid and its parent's; memory
 * is copied (a child's writes do not reach the parent); WNOHANG; ECHILD;
 * a child that faults is reported as killed by SIGSEGV. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static int shared_value = 1;

int main(void)
{
	pid_t me = getpid();
	/* Flushed before each fork, so no child repeats buffered output. */
	fflush(stdout);
	pid_t kid = fork();
	if (kid == 0) {
		shared_value = 99;
		int ok = getppid() == me && getpid() != me;
		_exit(ok ? 7 : 1);
	}
	int status = 0;
	pid_t got = waitpid(kid, &status, 0);
	printf("waited for the child: %d, exited %d, status %d, my value still %d\n", got == kid, WIFEXITED(status),
	       WEXITSTATUS(status), shared_value);

	/* Three children, reaped in any order. */
	pid_t kids[3];
	fflush(stdout);
	for (int i = 0; i < 3; i++) {
		kids[i] = fork();
		if (kids[i] == 0) {
			char *heap = malloc(1 << 20);
			memset(heap, i, 1 << 20);
			exit(10 + i + heap[12345]);
		}
	}
	int sum = 0, reaped = 0;
	for (int i = 0; i < 3; i++) {
		pid_t p = wait(&status);
		for (int j = 0; j < 3; j++)
			reaped += p == kids[j];
		sum += WEXITSTATUS(status);
	}
	printf("reaped %d children, statuses sum to %d\n", reaped, sum);
	printf("no child left: %d %s\n", wait(&status), errno == ECHILD ? "ECHILD" : "?");

	/* WNOHANG while a child sleeps. */
	fflush(stdout);
	kid = fork();
	if (kid == 0) {
		usleep(200000);
		_exit(3);
	}
	printf("WNOHANG before it ends: %d\n", waitpid(kid, &status, WNOHANG));
	waitpid(kid, &status, 0);
	printf("then: exited %d status %d\n", WIFEXITED(status), WEXITSTATUS(status));

	/* A child that faults. */
	fflush(stdout);
	kid = fork();
	if (kid == 0) {
		volatile int *bad = (int *)16;
		*bad = 1;
		_exit(0);
	}
	waitpid(kid, &status, 0);
	printf("faulting child: signaled %d signal %d\n", WIFSIGNALED(status), WTERMSIG(status));
	printf("waitpid of a non-child: %d %s\n", waitpid(1, &status, 0), errno == ECHILD ? "ECHILD" : "?");
	fflush(stdout);
	return 0;
}
