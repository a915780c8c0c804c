/* Signals a process sends itself: a handler runs for raise(), SIG_IGN
 * ignores, abort() ends the process with SIGABRT's status (134 from a
 * shell) after flushing nothing more. */
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>

static volatile sig_atomic_t got;

static void handler(int sig) { got = sig; }

int main(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = handler;
	sigaction(SIGUSR1, &sa, NULL);
	printf("raise: %d\n", raise(SIGUSR1));
	printf("handler got %d\n", got);
	signal(SIGUSR2, SIG_IGN);
	printf("ignored raise: %d\n", raise(SIGUSR2));
	sigset_t set, old;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	got = 0;
	sigprocmask(SIG_BLOCK, &set, &old);
	raise(SIGUSR1);
	printf("while blocked: %d\n", got);
	sigprocmask(SIG_SETMASK, &old, NULL);
	printf("after unblock: %d\n", got);
	fflush(stdout);
	abort();
}
