/* Orphans live on: a child forks a grandchild and exits; the grandchild
 * outlives it, gets a new parent (getppid changes) and still reaches the
 * pipe the original parent reads; the original parent cannot wait for it
 * (not its child: ECHILD once its own child is reaped). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void)
{
	setvbuf(stdout, 0, _IOLBF, 0);
	int p[2], go[2];
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
			int n = snprintf(line, sizeof line, "grandchild: ppid changed %s\n", getppid() != me ? "yes" : "no");
			write(p[1], line, n);
			_exit(0);
		}
		_exit(5);
	}
	close(go[0]);
	close(go[1]);
	close(p[1]);
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
	return 0;
}
