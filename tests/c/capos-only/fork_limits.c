/* A fork loop ends in EAGAIN (capOS's limits: 64 running children per
 * process, a memory limit carved out of the parent's), the system stays
 * up, and killing and reaping the children frees everything: a fork
 * afterwards works again. capOS only (a fork bomb is not run on the host);
 * it checks itself and exits 0 when every check holds. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void)
{
	static pid_t kids[1024];
	int n = 0, failures = 0;
	fflush(stdout);
	for (;;) {
		pid_t p = fork();
		if (p == 0) {
			for (;;)
				usleep(100000);
		}
		if (p < 0) {
			printf("%s the fork loop ends with %s\n", errno == EAGAIN ? "ok  " : "FAIL",
			       errno == EAGAIN ? "EAGAIN" : strerror(errno));
			failures += errno != EAGAIN;
			break;
		}
		kids[n++] = p;
		if (n == 1024) {
			printf("FAIL: 1024 forks and no limit\n");
			return 1;
		}
	}
	failures += n < 8;
	printf("%s at least 8 children running before the limit\n", n >= 8 ? "ok  " : "FAIL");
	for (int i = 0; i < n; i++)
		kill(kids[i], SIGKILL);
	int reaped = 0, status;
	while (wait(&status) > 0)
		reaped += WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;
	printf("%s every child reaped as killed\n", reaped == n ? "ok  " : "FAIL");
	failures += reaped != n;
	fflush(stdout);
	pid_t again = fork();
	if (again == 0)
		_exit(5);
	waitpid(again, &status, 0);
	int ok = again > 0 && WIFEXITED(status) && WEXITSTATUS(status) == 5;
	printf("%s a fork after the children are gone\n", ok ? "ok  " : "FAIL");
	failures += !ok;
	return failures != 0;
}
