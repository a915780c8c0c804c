/* GAP: a process group whose only member has ended but is not yet reaped
 * (a zombie) still exists in POSIX, so a sibling may join it with setpgid
 * and the terminal may make it the foreground group. This is what an
 * interactive dash with job control does for a pipeline whose first stage
 * ends before the next is forked (`echo x | read y` typed quickly): on
 * capOS the kernel counts only live processes as a group's members
 * (kernel/src/signal.rs, members), so setpgid fails with EPERM and dash
 * says "Cannot set tty process group". make run's dash runs with `set +m`
 * until this is fixed. (waitid with WNOWAIT fails on capOS too, so the
 * parent also waits 200 ms for the first child to end.) */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

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
	struct timespec pause = {0, 200000000};
	nanosleep(&pause, NULL);
	int fds[2];
	pipe(fds);
	pid_t second = fork();
	if (second == 0) {
		int r = setpgid(0, first);
		int e = r ? errno : 0;
		char c = r == 0 ? 'y' : (e == EPERM ? 'p' : 'e');
		write(fds[1], &c, 1);
		_exit(r == 0 ? 0 : 1);
	}
	char c = 0;
	read(fds[0], &c, 1);
	printf("second joins the zombie's group: %s\n", c == 'y' ? "yes" : c == 'p' ? "EPERM" : "other error");
	int st;
	waitpid(second, &st, 0);
	waitpid(first, &st, 0);
	printf("first's status %d\n", WEXITSTATUS(st));
	return 0;
}
