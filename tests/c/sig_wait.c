/* sigwait, sigwaitinfo and sigtimedwait (rt_sigtimedwait): a blocked
 * signal already pending is taken at once (and is no longer pending), with
 * its siginfo (kill: SI_USER and the sender's pid);
 * the lowest of several first; a wait ends when another thread sends one;
 * a zero timeout with nothing pending and a short one are EAGAIN; a
 * handled signal outside the set interrupts the wait (EINTR); a blocked
 * SIGCHLD, ignored by default, is kept for sigwait; a bad timeout is
 * EINVAL. */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "proc.h"

static volatile int alarms;
static pid_t main_tid;

static void on_alarm(int sig)
{
	(void)sig;
	alarms++;
}

static long ms_since(const struct timespec *t0)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1000 + (t.tv_nsec - t0->tv_nsec) / 1000000;
}

static void *send_later(void *arg)
{
	struct timespec ts = { 0, 50 * 1000 * 1000 };
	nanosleep(&ts, 0);
	if (arg)
		syscall(SYS_tgkill, getpid(), main_tid, SIGUSR1);
	else
		kill(getpid(), SIGUSR2);
	return 0;
}

static const char *code_name(int code)
{
	switch (code) {
	case SI_USER:
		return "SI_USER";
	case SI_TKILL:
		return "SI_TKILL";
	case CLD_EXITED:
		return "CLD_EXITED";
	default:
		return "other";
	}
}

int main(void)
{
	setvbuf(stdout, 0, _IOLBF, 0);
	main_tid = gettid();
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGUSR2);
	sigaddset(&set, SIGCHLD);
	sigprocmask(SIG_BLOCK, &set, 0);

	kill(getpid(), SIGUSR2);
	kill(getpid(), SIGUSR1);
	sigset_t pending;
	sigpending(&pending);
	printf("pending: USR1 %d USR2 %d\n", sigismember(&pending, SIGUSR1), sigismember(&pending, SIGUSR2));
	int sig = 0;
	int r = sigwait(&set, &sig);
	printf("sigwait: %d, signal %s\n", r, sig == SIGUSR1 ? "SIGUSR1" : sig == SIGUSR2 ? "SIGUSR2" : "?");
	siginfo_t info;
	memset(&info, 0, sizeof info);
	r = sigwaitinfo(&set, &info);
	printf("sigwaitinfo: %s, si_signo %s, si_code %s, si_pid is mine %s\n",
	       r == SIGUSR2 ? "SIGUSR2" : "?", info.si_signo == SIGUSR2 ? "SIGUSR2" : "?",
	       code_name(info.si_code), info.si_pid == getpid() ? "yes" : "no");
	sigpending(&pending);
	printf("pending after: USR1 %d USR2 %d\n", sigismember(&pending, SIGUSR1),
	       sigismember(&pending, SIGUSR2));

	struct timespec zero = { 0, 0 };
	r = sigtimedwait(&set, &info, &zero);
	printf("sigtimedwait, zero timeout, nothing pending: %d %s\n", r, r < 0 ? errname(errno) : "");
	struct timespec t0, short_wait = { 0, 60 * 1000 * 1000 };
	clock_gettime(CLOCK_MONOTONIC, &t0);
	r = sigtimedwait(&set, &info, &short_wait);
	long took = ms_since(&t0);
	printf("sigtimedwait, 60 ms: %d %s, waited at least 50 ms: %s\n", r, r < 0 ? errname(errno) : "",
	       took >= 50 ? "yes" : "no");
	struct timespec bad = { 0, 1000000000 };
	r = sigtimedwait(&set, &info, &bad);
	printf("sigtimedwait, bad timeout: %d %s\n", r, r < 0 ? errname(errno) : "");

	pthread_t t;
	pthread_create(&t, 0, send_later, 0);
	memset(&info, 0, sizeof info);
	r = sigwaitinfo(&set, &info);
	printf("another thread's kill: %s, si_code %s\n", r == SIGUSR2 ? "SIGUSR2" : "?", code_name(info.si_code));
	pthread_join(t, 0);

	pthread_create(&t, 0, send_later, &t);
	memset(&info, 0, sizeof info);
	r = sigwaitinfo(&set, &info);
	/* (si_code is SI_TKILL on Linux; not printed: some hosts' kernels,
	 * gVisor's among them, say SI_USER.) */
	printf("another thread's tgkill: %s, si_signo %s\n", r == SIGUSR1 ? "SIGUSR1" : "?",
	       info.si_signo == SIGUSR1 ? "SIGUSR1" : "?");
	pthread_join(t, 0);

	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_alarm;
	sigaction(SIGALRM, &sa, 0);
	struct itimerval it = { { 0, 0 }, { 0, 50 * 1000 } };
	setitimer(ITIMER_REAL, &it, 0);
	struct timespec long_wait = { 5, 0 };
	/* The system call itself: musl's sigtimedwait retries on EINTR,
	 * glibc's returns it. */
	r = syscall(SYS_rt_sigtimedwait, &set, &info, &long_wait, 8);
	printf("SIGALRM's handler during the wait: %d %s, handler ran %d time(s)\n", r, r < 0 ? errname(errno) : "",
	       alarms);

	pid_t p = fork();
	if (p == 0)
		_exit(5);
	memset(&info, 0, sizeof info);
	sigset_t chld;
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	r = sigwaitinfo(&chld, &info);
	printf("blocked SIGCHLD: %s, si_code %s, si_pid is the child %s\n", r == SIGCHLD ? "SIGCHLD" : "?",
	       code_name(info.si_code), info.si_pid == p ? "yes" : "no");
	int status;
	waitpid(p, &status, 0);
	printf("child exited %d\n", WEXITSTATUS(status));
	return 0;
}
