/* Deep nesting: a chain of processes, each the child of the one before,
 * sixteen levels down. Each level reads a number from its parent through a
 * pipe, passes it (times 2, plus its depth) to its own child, and exits
 * with its child's status plus one, or 100 more if getppid in it is not
 * the pid of the level above (passed down the pipe). The root prints
 * what came back (150 + depth: a fork failed there).
 * A second chain ends with a child killed by a signal: each level above
 * reports what it saw as an exit code.
 * (On capOS this failed at depth 4 while each forked child's memory limit
 * was carved out of its parent's; forked processes now share their
 * spawned ancestor's limit, kernel/src/fork.rs.) */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#define DEPTH 16

struct msg {
	long value;
	pid_t parent;
};

/* Runs one level: returns its exit status. */
static int level(int depth, int in, int kill_last)
{
	struct msg m;
	if (read(in, &m, sizeof m) != sizeof m)
		return 100;
	close(in);
	int parent_ok = m.parent == getppid();
	long value = m.value * 2 + depth;
	if (depth == DEPTH) {
		if (kill_last)
			raise(SIGUSR1);
		return (int)(value % 50) + (parent_ok ? 0 : 100);
	}
	int p[2];
	pipe(p);
	pid_t kid = fork();
	if (kid == 0) {
		close(p[1]);
		_exit(level(depth + 1, p[0], kill_last));
	}
	if (kid < 0)
		return 150 + depth;
	close(p[0]);
	struct msg out = { value, getpid() };
	write(p[1], &out, sizeof out);
	close(p[1]);
	int status;
	if (waitpid(kid, &status, 0) != kid)
		return 101;
	if (WIFSIGNALED(status))
		return 200 + WTERMSIG(status);
	if (WEXITSTATUS(status) >= 150)
		return WEXITSTATUS(status);
	return WEXITSTATUS(status) + 1 + (parent_ok ? 0 : 100);
}

static void chain(int kill_last)
{
	int p[2];
	pipe(p);
	pid_t kid = fork();
	if (kid == 0) {
		close(p[1]);
		_exit(level(1, p[0], kill_last));
	}
	close(p[0]);
	struct msg m = { 3, getpid() };
	write(p[1], &m, sizeof m);
	close(p[1]);
	int status;
	waitpid(kid, &status, 0);
	printf("chain of %d (%s): exited %d, status %d\n", DEPTH, kill_last ? "last killed" : "all exit",
	       WIFEXITED(status), WEXITSTATUS(status));
	if (WEXITSTATUS(status) >= 150 && WEXITSTATUS(status) < 200)
		printf("  (a fork failed at depth %d)\n", WEXITSTATUS(status) - 150);
}

int main(void)
{
	setvbuf(stdout, 0, _IOLBF, 0);
	long v = 3;
	for (int d = 1; d <= DEPTH; d++)
		v = v * 2 + d;
	printf("expected from the arithmetic: %ld\n", v % 50 + DEPTH - 1);
	chain(0);
	chain(1);
	return 0;
}
