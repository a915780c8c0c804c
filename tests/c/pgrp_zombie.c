/* A process group lives while any member exists, a zombie (ended, not
 * yet reaped) included: a sibling may join the group of a child that has
 * ended (what an interactive dash with job control does for a pipeline
 * whose first stage ends before the next is forked). Once every member
 * is reaped the group is gone and joining it fails with EPERM. waitid
 * with WNOWAIT tells the parent the first child has ended without
 * reaping it. kill finds a group of zombies (the signal is lost on them)
 * and the parent may still setpgid its zombie child. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* A child that joins group `pgid` and reports how it went. */
static char join(pid_t pgid)
{
	int fds[2];
	pipe(fds);
	pid_t pid = fork();
	if (pid == 0) {
		int r = setpgid(0, pgid);
		int e = r ? errno : 0;
		char c = r == 0 ? (getpgrp() == pgid ? 'y' : 'w') : (e == EPERM ? 'p' : 'e');
		write(fds[1], &c, 1);
		_exit(r == 0 ? 0 : 1);
	}
	char c = 0;
	read(fds[0], &c, 1);
	close(fds[0]);
	close(fds[1]);
	int st;
	waitpid(pid, &st, 0);
	return c;
}

static const char *said(char c)
{
	return c == 'y' ? "yes" : c == 'p' ? "EPERM" : c == 'w' ? "wrong group" : "other error";
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	pid_t first = fork();
	if (first == 0) {
		setpgid(0, 0);
		_exit(3);
	}
	setpgid(first, first);
	/* Until the first child has ended (still unreaped). */
	siginfo_t info;
	int rc = waitid(P_PID, first, &info, WEXITED | WNOWAIT);
	printf("first ended, not reaped: %d status %d\n", rc, info.si_status);
	printf("its group: %s\n", getpgid(first) == first ? "its own" : "other");
	int r = kill(-first, 0);
	printf("kill(-group, 0) finds the group: %d %s\n", r, r ? strerror(errno) : "");
	r = kill(-first, SIGTERM);
	printf("kill(-group, SIGTERM): %d %s\n", r, r ? strerror(errno) : "");
	r = setpgid(first, first);
	printf("setpgid of the zombie child: %d %s\n", r, r ? strerror(errno) : "");
	printf("a second child joins the zombie's group: %s\n", said(join(first)));
	printf("and again: %s\n", said(join(first)));
	int st;
	waitpid(first, &st, 0);
	printf("first's status %d\n", WEXITSTATUS(st));
	printf("joining the group once all are reaped: %s\n", said(join(first)));
	errno = 0;
	r = kill(-first, 0);
	printf("kill(-group, 0) once reaped: %d %s\n", r, errno == ESRCH ? "ESRCH" : "other");
	return 0;
}
