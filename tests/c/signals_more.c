/* Signals to self: SA_RESETHAND runs the handler once then the default, SA_SIGINFO gets si_signo, a handler's sa_mask and the signal itself blocked while it runs, sigpending for blocked signals, signal() return values, raise inside a handler; ends by the default action of SIGTERM (status 143). */
#include <stdio.h>
#include <string.h>
#include <signal.h>
#include <unistd.h>

static volatile sig_atomic_t count, info_signo, info_code_user, nested_seen, mask_had_usr2, mask_had_self;

static void counter(int sig) { (void)sig; count++; }

static void with_info(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	info_signo = si->si_signo == sig ? sig : -1;
	info_code_user = si->si_code == SI_TKILL || si->si_code == SI_USER;
}

static void inner(int sig) { (void)sig; nested_seen++; }

static void outer(int sig)
{
	sigset_t cur;
	sigprocmask(SIG_SETMASK, NULL, &cur);
	mask_had_usr2 = sigismember(&cur, SIGUSR2);
	mask_had_self = sigismember(&cur, sig);
	raise(SIGHUP);
}

int main(void)
{
	struct sigaction sa, old;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = counter;
	sa.sa_flags = SA_RESETHAND;
	sigaction(SIGUSR1, &sa, NULL);
	raise(SIGUSR1);
	sigaction(SIGUSR1, NULL, &old);
	printf("SA_RESETHAND: count %d, now default %d\n", count, old.sa_handler == SIG_DFL);

	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = with_info;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGUSR2, &sa, NULL);
	raise(SIGUSR2);
	printf("SA_SIGINFO: signo ok %d, code from raise %d\n", info_signo == SIGUSR2, info_code_user);

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = outer;
	sigemptyset(&sa.sa_mask);
	sigaddset(&sa.sa_mask, SIGUSR2);
	sigaction(SIGALRM, &sa, NULL);
	signal(SIGHUP, inner);
	raise(SIGALRM);
	printf("in handler: sa_mask member blocked %d, own signal blocked %d, nested raise ran %d\n", mask_had_usr2,
	       mask_had_self, nested_seen);
	sigset_t cur;
	sigprocmask(SIG_SETMASK, NULL, &cur);
	printf("mask restored after handler: %d\n", !sigismember(&cur, SIGUSR2) && !sigismember(&cur, SIGALRM));

	count = 0;
	signal(SIGUSR1, counter);
	sigset_t set, pend;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, NULL);
	raise(SIGUSR1);
	raise(SIGUSR1);
	sigpending(&pend);
	printf("blocked: pending %d, handled %d\n", sigismember(&pend, SIGUSR1), count);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	sigpending(&pend);
	printf("unblocked: handled %d (standard signals do not queue), pending %d\n", count, sigismember(&pend, SIGUSR1));

	void (*prev)(int) = signal(SIGUSR1, SIG_IGN);
	printf("signal() returns previous handler %d\n", prev == counter);
	prev = signal(SIGUSR1, SIG_DFL);
	printf("then SIG_IGN %d\n", prev == SIG_IGN);
	printf("signal(SIGKILL) fails %d, sigaction(SIGSTOP) fails %d\n", signal(SIGKILL, counter) == SIG_ERR,
	       sigaction(SIGSTOP, &sa, NULL) == -1);
	printf("kill(getpid(), 0) %d\n", kill(getpid(), 0));
	printf("sigismember of full set %d, empty %d\n", ({ sigset_t f; sigfillset(&f); sigismember(&f, SIGINT); }),
	       ({ sigset_t e; sigemptyset(&e); sigismember(&e, SIGINT); }));
	fflush(stdout);
	raise(SIGTERM);
	printf("not reached\n");
	return 0;
}
