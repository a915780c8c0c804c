/* Many fork+exec+wait at once: ten children each exec this program with
 * an argument k (computes something from k and exits with it), one execs
 * a missing program (the child reports ENOENT and exits 127), one execs
 * itself with a role that ends by a signal; each child's output goes to
 * its own pipe, read by the parent after all have been started; the
 * parent matches statuses and outputs to children by pid. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define N 12

static int work(int k)
{
	long v = 1;
	for (int i = 0; i < k * 100; i++)
		v = (v * 31 + i) % 1000003;
	printf("worker %d: pid differs from parent's %d, value %ld\n", k, getpid() != getppid(), v);
	return k * 10 + (int)(v % 10);
}

int main(int argc, char **argv)
{
	if (argc > 3 && !strcmp(argv[2], "work"))
		return work(atoi(argv[3]));
	if (argc > 2 && !strcmp(argv[2], "die")) {
		printf("dying by SIGUSR2\n");
		fflush(stdout);
		raise(SIGUSR2);
		return 0;
	}
	setvbuf(stdout, 0, _IOLBF, 0);
	pid_t kids[N];
	int outs[N];
	for (int i = 0; i < N; i++) {
		int p[2];
		pipe(p);
		kids[i] = fork();
		if (kids[i] == 0) {
			dup2(p[1], 1);
			close(p[0]);
			close(p[1]);
			for (int j = 0; j < i; j++)
				close(outs[j]);
			char k[8];
			snprintf(k, sizeof k, "%d", i);
			if (i == 10) {
				execlp("no-such-program-here", "x", (char *)0);
				int e = errno;
				printf("exec failed: %s\n", e == ENOENT ? "ENOENT" : "another errno");
				fflush(stdout);
				_exit(127);
			}
			if (i == 11)
				execlp(argv[0], argv[0], argv[1], "die", (char *)0);
			else
				execlp(argv[0], argv[0], argv[1], "work", k, (char *)0);
			_exit(126);
		}
		close(p[1]);
		outs[i] = p[0];
	}
	char text[N][128];
	for (int i = 0; i < N; i++) {
		ssize_t n, total = 0;
		while ((n = read(outs[i], text[i] + total, sizeof text[i] - 1 - total)) > 0)
			total += n;
		text[i][total] = 0;
		close(outs[i]);
	}
	int status[N];
	for (int n = 0; n < N; n++) {
		int st;
		pid_t w = wait(&st);
		for (int i = 0; i < N; i++)
			if (kids[i] == w)
				status[i] = st;
	}
	for (int i = 0; i < N; i++) {
		if (WIFEXITED(status[i]))
			printf("child %2d exited %3d: %s", i, WEXITSTATUS(status[i]), text[i]);
		else
			printf("child %2d killed by %d: %s", i, WTERMSIG(status[i]), text[i]);
	}
	return 0;
}
