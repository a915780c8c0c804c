/* A full signal mask (sigfillset, what dash blocks around its critical
 * sections): sigprocmask with it succeeds and gives back the previous
 * mask; the previous full mask comes back whole from the next call
 * (signal 64, the last real-time one, included: its bit makes the mask a
 * negative 64-bit number); pthread_sigmask, sigpending and sigsuspend
 * work while everything is blocked; a signal raised meanwhile runs its
 * handler once unblocked. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

static volatile sig_atomic_t got;

static void handler(int sig)
{
	got = sig;
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	sigset_t full, old, back, pending, cur;
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = handler;
	sigaction(SIGUSR1, &sa, NULL);
	sigfillset(&full);
	sigemptyset(&old);
	int rc = sigprocmask(SIG_SETMASK, &full, &old);
	int e = errno;
	printf("set full: %d errno %d, before: USR1 %d\n", rc, rc ? e : 0, sigismember(&old, SIGUSR1));
	errno = 0;
	rc = sigprocmask(SIG_BLOCK, NULL, &cur);
	printf("query: %d, USR1 %d TERM %d RTMAX %d RTMIN %d\n", rc, sigismember(&cur, SIGUSR1),
	       sigismember(&cur, SIGTERM), sigismember(&cur, SIGRTMAX), sigismember(&cur, SIGRTMIN));
	raise(SIGUSR1);
	printf("raised while blocked: handler ran %d\n", got != 0);
	sigpending(&pending);
	printf("pending USR1 %d USR2 %d\n", sigismember(&pending, SIGUSR1), sigismember(&pending, SIGUSR2));
	rc = sigprocmask(SIG_SETMASK, &old, &back);
	e = errno;
	printf("restore: %d errno %d, back: USR1 %d TERM %d RTMAX %d\n", rc, rc ? e : 0, sigismember(&back, SIGUSR1),
	       sigismember(&back, SIGTERM), sigismember(&back, SIGRTMAX));
	printf("after unblock: handler ran for USR1 %d\n", got == SIGUSR1);
	rc = pthread_sigmask(SIG_SETMASK, &full, &back);
	printf("pthread full: %d, before USR1 %d\n", rc, sigismember(&back, SIGUSR1));
	rc = pthread_sigmask(SIG_UNBLOCK, &full, &back);
	printf("pthread unblock: %d, before RTMAX %d USR2 %d\n", rc, sigismember(&back, SIGRTMAX),
	       sigismember(&back, SIGUSR2));
	got = 0;
	sigset_t only_usr1;
	sigfillset(&only_usr1);
	sigdelset(&only_usr1, SIGUSR1);
	sigprocmask(SIG_SETMASK, &full, NULL);
	raise(SIGUSR1);
	rc = sigsuspend(&only_usr1);
	e = errno;
	printf("sigsuspend: %d errno EINTR %d, handler %d\n", rc, e == EINTR, got == SIGUSR1);
	sigprocmask(SIG_BLOCK, NULL, &cur);
	printf("mask after sigsuspend: RTMAX %d USR1 %d\n", sigismember(&cur, SIGRTMAX), sigismember(&cur, SIGUSR1));
	return 0;
}
