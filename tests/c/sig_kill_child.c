/* kill between processes: a CPU-bound child is ended by SIGTERM and by
 * SIGKILL from its parent (WIFSIGNALED, WTERMSIG); a child with a SIGTERM
 * handler exits by itself; kill of a pid that is gone is ESRCH; signal 0
 * only checks; a bad signal number is EINVAL. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t got;

static void on_term(int sig)
{
	got = sig;
}

static void report(const char *what, int status)
{
	if (WIFSIGNALED(status))
		printf("%s: killed by signal %d (%s)\n", what, WTERMSIG(status), strsignal(WTERMSIG(status)));
	else if (WIFEXITED(status))
		printf("%s: exited %d\n", what, WEXITSTATUS(status));
	else
		printf("%s: status %#x\n", what, status);
}

static pid_t spinner(void)
{
	int ready[2];
	pipe(ready);
	pid_t pid = fork();
	if (pid == 0) {
		close(ready[0]);
		write(ready[1], "x", 1);
		for (volatile unsigned long i = 0;; i++)
			;
	}
	close(ready[1]);
	char c;
	read(ready[0], &c, 1);
	close(ready[0]);
	return pid;
}

int main(void)
{
	setvbuf(stdout, 0, _IOLBF, 0);
	int status;
	pid_t pid = spinner();
	printf("kill 0: %d\n", kill(pid, 0));
	printf("kill TERM: %d\n", kill(pid, SIGTERM));
	waitpid(pid, &status, 0);
	report("spinner", status);
	errno = 0;
	int r = kill(pid, SIGTERM);
	printf("kill gone: %d %s\n", r, strerror(errno));

	pid = spinner();
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	report("spinner 2", status);

	int ready[2];
	pipe(ready);
	pid = fork();
	if (pid == 0) {
		signal(SIGTERM, on_term);
		close(ready[0]);
		write(ready[1], "x", 1);
		while (!got)
			;
		printf("child: got signal %d\n", (int)got);
		fflush(stdout);
		_exit(7);
	}
	close(ready[1]);
	char c;
	read(ready[0], &c, 1);
	kill(pid, SIGTERM);
	waitpid(pid, &status, 0);
	report("handler child", status);

	pid = fork();
	if (pid == 0) {
		pause();
		_exit(0);
	}
	kill(pid, SIGUSR1);
	waitpid(pid, &status, 0);
	report("paused child", status);

	errno = 0;
	r = kill(getpid(), 99);
	printf("bad signal: %d %s\n", r, strerror(errno));
	return 0;
}
