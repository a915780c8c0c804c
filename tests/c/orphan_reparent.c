/* Orphans live on: a child forks a grandchild and exits; the grandchild
 * outlives it, gets a new parent (getppid changes; not the grandparent,
 * which is no subreaper: init, or a subreaper above it on Linux) and still
 * reaches the pipe the original parent reads; the original parent cannot
 * wait for it (not its child: ECHILD once its own child is reaped) and
 * gets no SIGCHLD when it ends (one for its own child only). */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t chlds;

static void on_chld(int sig)
{
	(void)sig;
	chlds++;
}

int main(void)
{
	setvbuf(stdout, 0, _IOLBF, 0);
	signal(SIGCHLD, on_chld);
	pid_t top = getpid();
	int p[2], go[2], done[2];
	pipe(done);
	pipe(p);
	pipe(go);
	pid_t child = fork();
	if (child == 0) {
		pid_t me = getpid();
		pid_t grandchild = fork();
		if (grandchild == 0) {
			close(go[1]);
			char c;
			/* Wait until the parent is gone (its end closed the pipe). */
			read(go[0], &c, 1);
			char line[64];
			pid_t now = getppid();
			int n = snprintf(line, sizeof line, "grandchild: ppid changed %s, the grandparent %s\n",
					 now != me ? "yes" : "no", now == top ? "yes" : "no");
			write(p[1], line, n);
			close(done[0]);
			/* Its end closes `done`'s last write end. */
			_exit(0);
		}
		_exit(5);
	}
	close(go[0]);
	close(go[1]);
	close(p[1]);
	close(done[1]);
	int status;
	waitpid(child, &status, 0);
	printf("child exited %d\n", WEXITSTATUS(status));
	char buf[64] = "";
	ssize_t n = read(p[0], buf, sizeof buf - 1);
	printf("read %s", n > 0 ? buf : "nothing\n");
	errno = 0;
	pid_t w = waitpid(-1, &status, 0);
	int e = errno;
	printf("wait for the grandchild: %d, ECHILD %d\n", (int)w, e == ECHILD);
	/* Until the grandchild has ended, then a while for a SIGCHLD. */
	char c;
	while (read(done[0], &c, 1) < 0 && errno == EINTR)
		;
	struct timespec t = {0, 200000000};
	while (nanosleep(&t, &t) < 0 && errno == EINTR)
		;
	printf("SIGCHLDs: %d\n", (int)chlds);
	return 0;
}
