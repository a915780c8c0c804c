/* SIGCHLD on a child's end; process groups: a child moved into a group of
 * its own, kill of the whole group, getpgid/getpgrp/getsid relations,
 * setsid in a child, a child signalling its parent, SIGCHLD ignored by
 * default. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t chld, usr1;

static void on_chld(int sig)
{
	(void)sig;
	chld++;
}

static void on_usr1(int sig)
{
	(void)sig;
	usr1++;
}

int main(void)
{
	setvbuf(stdout, 0, _IOLBF, 0);
	int status;
	pid_t pid = fork();
	if (pid == 0)
		_exit(3);
	waitpid(pid, &status, 0);
	printf("SIGCHLD ignored by default: exited %d\n", WEXITSTATUS(status));

	signal(SIGCHLD, on_chld);
	pid = fork();
	if (pid == 0)
		_exit(4);
	waitpid(pid, &status, 0);
	printf("SIGCHLD caught: %s, exited %d\n", chld > 0 ? "yes" : "no", WEXITSTATUS(status));
	signal(SIGCHLD, SIG_DFL);

	printf("getpgrp == getpgid(0): %d\n", getpgrp() == getpgid(0));
	printf("getsid(0) == getsid(getpid()): %d\n", getsid(0) == getsid(getpid()));

	/* Two children in a new group led by the first. */
	int go[2];
	pipe(go);
	pid_t a = fork();
	if (a == 0) {
		setpgid(0, 0);
		char c;
		read(go[0], &c, 1);
		for (;;)
			pause();
	}
	setpgid(a, a);
	pid_t b = fork();
	if (b == 0) {
		char c;
		read(go[0], &c, 1);
		for (;;)
			pause();
	}
	printf("setpgid b into a's group: %d\n", setpgid(b, a));
	printf("a leads its group: %d, b in it: %d, parent not: %d\n", getpgid(a) == a, getpgid(b) == a,
	       getpgrp() != a);
	errno = 0;
	int r = setpgid(b, 999999);
	printf("setpgid to a missing group: %d %s\n", r, strerror(errno));
	write(go[1], "xx", 2);
	printf("kill group: %d\n", kill(-a, SIGTERM));
	int sig_a = -1, sig_b = -1;
	for (int i = 0; i < 2; i++) {
		pid_t w = wait(&status);
		int sig = WIFSIGNALED(status) ? WTERMSIG(status) : -1;
		if (w == a)
			sig_a = sig;
		else if (w == b)
			sig_b = sig;
	}
	printf("a: signal %d, b: signal %d\n", sig_a, sig_b);
	errno = 0;
	r = kill(-a, SIGTERM);
	printf("kill empty group: %d %s\n", r, strerror(errno));

	pid = fork();
	if (pid == 0) {
		pid_t s = setsid();
		int leads = getpgrp() == getpid();
		errno = 0;
		int again = setsid();
		printf("child setsid: %s, leads group %d, again: %d %s\n", s == getpid() ? "own id" : "other", leads,
		       again, strerror(errno));
		fflush(stdout);
		_exit(0);
	}
	waitpid(pid, &status, 0);

	signal(SIGUSR1, on_usr1);
	pid = fork();
	if (pid == 0) {
		kill(getppid(), SIGUSR1);
		_exit(0);
	}
	waitpid(pid, &status, 0);
	while (!usr1)
		;
	printf("child signalled parent: %d\n", (int)usr1);
	return 0;
}
