/* SIGCHLD with a reaping handler: twelve children end at slightly
 * different times; the handler loops waitpid(-1, WNOHANG) and reaps what
 * has ended (several children per SIGCHLD when they coalesce); the parent
 * waits with sigsuspend, SIGCHLD blocked outside it, until all are in.
 * Then a wait for one child is interrupted by another child's SIGCHLD
 * (EINTR without SA_RESTART) or goes on (with SA_RESTART). */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "proc.h"


#define N 12

static volatile sig_atomic_t reaped, status_sum, calls, bad, counted;

static void reap(int sig)
{
	(void)sig;
	int saved = errno, status;
	pid_t p;
	calls++;
	while ((p = waitpid(-1, &status, WNOHANG)) > 0) {
		reaped++;
		if (WIFEXITED(status))
			status_sum += WEXITSTATUS(status);
		else
			bad++;
	}
	errno = saved;
}

static void count(int sig)
{
	(void)sig;
	counted++;
}

static void interrupted_wait(int flags)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = count;
	sa.sa_flags = flags;
	sigaction(SIGCHLD, &sa, 0);
	counted = 0;
	/* Both start their time when the parent is about to wait (a slow
	 * fork must not let a end before the wait begins). */
	int go[2];
	pipe(go);
	fflush(stdout);
	pid_t a = fork();
	if (a == 0) {
		char c;
		read(go[0], &c, 1);
		usleep(200 * 1000);
		_exit(1);
	}
	pid_t b = fork();
	if (b == 0) {
		char c;
		read(go[0], &c, 1);
		usleep(800 * 1000);
		_exit(2);
	}
	close(go[0]);
	write(go[1], "gg", 2);
	close(go[1]);
	int status = 0;
	errno = 0;
	pid_t w = waitpid(b, &status, 0);
	int e = errno;
	printf("%s: waitpid(b) = %s, %s, SIGCHLD handled %s\n", flags ? "SA_RESTART" : "no SA_RESTART",
	       w == b ? "b" : w < 0 ? "-1" : "other", w < 0 ? errname(e) : "no error", counted > 0 ? "yes" : "no");
	if (w != b)
		waitpid(b, &status, 0);
	printf("  b exited %d\n", WEXITSTATUS(status));
	waitpid(a, &status, 0);
	printf("  a exited %d\n", WEXITSTATUS(status));
}

int main(void)
{
	setvbuf(stdout, 0, _IOLBF, 0);
	sigset_t block, empty;
	sigemptyset(&block);
	sigaddset(&block, SIGCHLD);
	sigemptyset(&empty);
	sigprocmask(SIG_BLOCK, &block, 0);
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = reap;
	sa.sa_flags = SA_NOCLDSTOP | SA_RESTART;
	sigaction(SIGCHLD, &sa, 0);
	int expect = 0;
	for (int i = 0; i < N; i++) {
		pid_t p = fork();
		if (p == 0) {
			usleep((i % 4) * 20 * 1000);
			_exit(i + 1);
		}
		expect += i + 1;
	}
	int rounds = 0;
	while (reaped < N && rounds < 1000) {
		sigsuspend(&empty);
		rounds++;
	}
	printf("reaped %d of %d, statuses sum to %d (expected %d), not exited %d\n", (int)reaped, N, (int)status_sum,
	       expect, (int)bad);
	printf("handler calls between 1 and %d: %s\n", N, calls >= 1 && calls <= N ? "yes" : "no");
	errno = 0;
	pid_t w = waitpid(-1, 0, WNOHANG);
	int e = errno;
	printf("nothing left: %d %s\n", (int)w, errname(e));
	sigprocmask(SIG_UNBLOCK, &block, 0);

	interrupted_wait(0);
	interrupted_wait(SA_RESTART);
	return 0;
}
