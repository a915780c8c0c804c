/* SIGCHLD set to SIG_IGN (and SA_NOCLDWAIT): children that end are not
 * kept as zombies; wait blocks until every child has ended and then fails
 * with ECHILD; kill(pid, 0) on an ended child is ESRCH. Back at SIG_DFL,
 * an ended child is kept as a zombie (kill(pid, 0) succeeds) until it is
 * reaped. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "proc.h"


static volatile sig_atomic_t handled;

static void on_chld(int sig)
{
	(void)sig;
	handled++;
}

/* Forks a child that exits with code at once; returns when it has ended
 * (the pipe's write end closes). */
static pid_t ended_child(int code)
{
	int p[2];
	pipe(p);
	pid_t pid = fork();
	if (pid == 0) {
		close(p[0]);
		_exit(code);
	}
	close(p[1]);
	char c;
	read(p[0], &c, 1);
	close(p[0]);
	/* The pipe closes a moment before the process is gone. */
	usleep(100 * 1000);
	return pid;
}

static void check(const char *what)
{
	pid_t pid = ended_child(5);
	errno = 0;
	int k = kill(pid, 0);
	int ke = errno;
	errno = 0;
	int status = 0;
	pid_t w = waitpid(-1, &status, 0);
	int we = errno;
	printf("%s: kill(ended, 0) %d %s; wait %s %s\n", what, k, k ? errname(ke) : "", w == pid ? "got it" : w < 0 ? "-1" : "other",
	       w == pid ? "" : errname(we));
}

int main(void)
{
	setvbuf(stdout, 0, _IOLBF, 0);
	check("SIG_DFL");
	signal(SIGCHLD, SIG_IGN);
	check("SIG_IGN");

	/* wait blocks while a child runs, then ECHILD. */
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		usleep(200 * 1000);
		_exit(7);
	}
	errno = 0;
	pid_t w = wait(0);
	int e = errno;
	errno = 0;
	int k = kill(pid, 0);
	int ke = errno;
	printf("SIG_IGN, running child: wait %d %s; then kill(pid, 0) %d %s\n", (int)w, errname(e), k, errname(ke));

	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_chld;
	sa.sa_flags = SA_NOCLDWAIT;
	sigaction(SIGCHLD, &sa, 0);
	check("SA_NOCLDWAIT");
	printf("handler ran with SA_NOCLDWAIT: %s\n", handled ? "yes" : "no");

	signal(SIGCHLD, SIG_DFL);
	check("SIG_DFL again");
	return 0;
}
