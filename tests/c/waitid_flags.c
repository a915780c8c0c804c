/* waitid: P_PID, P_PGID and P_ALL; WEXITED, WSTOPPED, WCONTINUED;
 * WNOWAIT leaves the child to a later wait (waitpid still reaps it);
 * WNOHANG with nothing to report zeroes si_pid; the siginfo_t fields
 * (si_signo SIGCHLD, si_code CLD_*, si_pid, si_status); EINVAL and
 * ECHILD. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *code(int c)
{
	switch (c) {
	case CLD_EXITED: return "CLD_EXITED";
	case CLD_KILLED: return "CLD_KILLED";
	case CLD_DUMPED: return "CLD_DUMPED";
	case CLD_STOPPED: return "CLD_STOPPED";
	case CLD_CONTINUED: return "CLD_CONTINUED";
	case 0: return "0";
	default: return "other";
	}
}

static void fails(const char *what, int rc, int err)
{
	printf("%s: %d %s\n", what, rc, err == ECHILD ? "ECHILD" : err == EINVAL ? "EINVAL" : "other");
}

static void show(const char *what, int rc, siginfo_t *info, pid_t expect)
{
	printf("%s: rc %d signo %s code %s pid %s status %d\n", what, rc,
	       info->si_signo == SIGCHLD ? "SIGCHLD" : info->si_signo == 0 ? "0" : "other",
	       code(info->si_code),
	       info->si_pid == expect ? "child" : info->si_pid == 0 ? "0" : "other", info->si_status);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	siginfo_t info;
	int st;

	/* An ended child: seen twice with WNOWAIT, then reaped. */
	pid_t a = fork();
	if (a == 0)
		_exit(7);
	memset(&info, 0x55, sizeof info);
	show("nowait", waitid(P_PID, a, &info, WEXITED | WNOWAIT), &info, a);
	memset(&info, 0x55, sizeof info);
	show("nowait again", waitid(P_ALL, 0, &info, WEXITED | WNOWAIT), &info, a);
	pid_t r = waitpid(a, &st, 0);
	printf("waitpid after WNOWAIT: %s exit %d\n", r == a ? "child" : "other", WEXITSTATUS(st));
	r = waitid(P_PID, a, &info, WEXITED);
	fails("again", r, errno);

	/* WNOHANG on a running child; then its end reaped by waitid. */
	int p[2];
	pipe(p);
	pid_t b = fork();
	if (b == 0) {
		char c;
		close(p[1]);
		read(p[0], &c, 1);
		_exit(0);
	}
	close(p[0]);
	memset(&info, 0x55, sizeof info);
	show("nohang running", waitid(P_PID, b, &info, WEXITED | WNOHANG), &info, b);
	close(p[1]);
	memset(&info, 0, sizeof info);
	show("reaped", waitid(P_PID, b, &info, WEXITED), &info, b);
	r = waitpid(b, &st, WNOHANG);
	fails("after reaping", r, errno);

	/* A child in its own group, killed by a signal: P_PGID. */
	pid_t c = fork();
	if (c == 0) {
		setpgid(0, 0);
		pause();
		_exit(1);
	}
	setpgid(c, c);
	kill(c, SIGTERM);
	memset(&info, 0, sizeof info);
	show("pgid killed", waitid(P_PGID, c, &info, WEXITED), &info, c);

	/* Stopped and continued: WSTOPPED, WCONTINUED (WNOWAIT keeps the
	 * event), then the end. */
	pid_t d = fork();
	if (d == 0) {
		for (;;)
			pause();
	}
	kill(d, SIGSTOP);
	memset(&info, 0, sizeof info);
	show("stopped nowait", waitid(P_PID, d, &info, WSTOPPED | WNOWAIT), &info, d);
	memset(&info, 0, sizeof info);
	show("stopped", waitid(P_PID, d, &info, WSTOPPED), &info, d);
	memset(&info, 0x55, sizeof info);
	show("stop reported once", waitid(P_PID, d, &info, WSTOPPED | WNOHANG), &info, d);
	kill(d, SIGCONT);
	memset(&info, 0, sizeof info);
	show("continued", waitid(P_PID, d, &info, WCONTINUED), &info, d);
	kill(d, SIGKILL);
	memset(&info, 0, sizeof info);
	show("killed", waitid(P_ALL, 0, &info, WEXITED), &info, d);

	/* Bad arguments. */
	r = waitid(P_ALL, 0, &info, WNOHANG);
	fails("no event flag", r, errno);
	r = waitid(42, 0, &info, WEXITED);
	fails("bad idtype", r, errno);
	r = waitid(P_ALL, 0, &info, WEXITED);
	fails("no children", r, errno);
	return 0;
}
