/* Signals and threads: pthread_kill (tkill) runs the handler in the
 * thread it names; a signal sent to one thread that blocks it waits
 * pending for that thread alone (sigpending there, not in another) until
 * it unblocks it; raise() in a thread is that thread's; a signal sent to
 * the process goes to the one thread that does not block it; the main
 * thread's id is the pid and every thread's is its own; tgkill with a bad
 * thread id is ESRCH (EINVAL for one below 1); a thread-directed signal
 * whose default action terminates ends the whole process. */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "proc.h"

static volatile pid_t handled_in[65];
static volatile int handled[65];
static volatile int stop_all;

static void on_signal(int sig)
{
	handled_in[sig] = gettid();
	handled[sig]++;
}

static void nap(void)
{
	struct timespec ts = { 0, 10 * 1000 * 1000 };
	nanosleep(&ts, 0);
}

static void wait_handled(int sig)
{
	for (int i = 0; i < 300 && !handled[sig]; i++)
		nap();
}

struct worker {
	pthread_t thread;
	volatile pid_t tid;
	int unblock; /* the one signal it does not block (0: none) */
	volatile int go_unblock;
	volatile int pending_seen;
};

static void *work(void *arg)
{
	struct worker *w = arg;
	sigset_t all;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, 0);
	if (w->unblock) {
		sigset_t one;
		sigemptyset(&one);
		sigaddset(&one, w->unblock);
		pthread_sigmask(SIG_UNBLOCK, &one, 0);
	}
	w->tid = gettid();
	while (!stop_all) {
		if (w->go_unblock == 1) {
			sigset_t pending;
			sigpending(&pending);
			w->pending_seen = sigismember(&pending, SIGURG) ? 1 : 2;
			w->go_unblock = 2;
		}
		if (w->go_unblock == 3) {
			sigset_t urg;
			sigemptyset(&urg);
			sigaddset(&urg, SIGURG);
			pthread_sigmask(SIG_UNBLOCK, &urg, 0);
			w->go_unblock = 4;
		}
		nap();
	}
	return 0;
}

static void *raiser(void *arg)
{
	(void)arg;
	sigset_t usr2;
	sigemptyset(&usr2);
	sigaddset(&usr2, SIGUSR2);
	pthread_sigmask(SIG_UNBLOCK, &usr2, 0);
	raise(SIGUSR2);
	return (void *)(long)gettid();
}

static void *terminator(void *arg)
{
	pthread_kill(*(pthread_t *)arg, SIGTERM);
	for (;;)
		nap();
	return 0;
}

int main(void)
{
	setvbuf(stdout, 0, _IOLBF, 0);
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigaction(SIGUSR1, &sa, 0);
	sigaction(SIGUSR2, &sa, 0);
	sigaction(SIGURG, &sa, 0);
	sigaction(SIGWINCH, &sa, 0);

	printf("main thread's id is the pid: %s\n", gettid() == getpid() ? "yes" : "no");

	/* Workers: a blocks all but SIGUSR1, b all but SIGWINCH, c all. */
	struct worker w[3] = { { .unblock = SIGUSR1 }, { .unblock = SIGWINCH }, { .unblock = 0 } };
	for (int i = 0; i < 3; i++)
		pthread_create(&w[i].thread, 0, work, &w[i]);
	for (int i = 0; i < 3; i++)
		while (!w[i].tid)
			nap();
	printf("thread ids are their own: %s\n",
	       w[0].tid != getpid() && w[0].tid != w[1].tid && w[1].tid != w[2].tid ? "yes" : "no");

	/* The main thread blocks everything from here. */
	sigset_t all;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, 0);

	printf("pthread_kill(a, SIGUSR1): %d\n", pthread_kill(w[0].thread, SIGUSR1));
	wait_handled(SIGUSR1);
	printf("  handled %d time(s), in a: %s\n", handled[SIGUSR1], handled_in[SIGUSR1] == w[0].tid ? "yes" : "no");

	printf("kill(getpid(), SIGWINCH), only b takes it: %d\n", kill(getpid(), SIGWINCH));
	wait_handled(SIGWINCH);
	printf("  handled %d time(s), in b: %s\n", handled[SIGWINCH], handled_in[SIGWINCH] == w[1].tid ? "yes" : "no");

	handled[SIGUSR1] = 0;
	printf("kill(getpid(), SIGUSR1), only a takes it: %d\n", kill(getpid(), SIGUSR1));
	wait_handled(SIGUSR1);
	printf("  handled %d time(s), in a: %s\n", handled[SIGUSR1], handled_in[SIGUSR1] == w[0].tid ? "yes" : "no");

	printf("pthread_kill(c, SIGURG) while c blocks it: %d\n", pthread_kill(w[2].thread, SIGURG));
	nap();
	sigset_t pending;
	sigpending(&pending);
	printf("  pending in main: %s\n", sigismember(&pending, SIGURG) ? "yes" : "no");
	w[2].go_unblock = 1;
	while (w[2].go_unblock != 2)
		nap();
	printf("  pending in c: %s; handled yet: %d\n", w[2].pending_seen == 1 ? "yes" : "no", handled[SIGURG]);
	w[2].go_unblock = 3;
	wait_handled(SIGURG);
	printf("  c unblocked it: handled %d time(s), in c: %s\n", handled[SIGURG],
	       handled_in[SIGURG] == w[2].tid ? "yes" : "no");

	pthread_t r;
	void *raiser_tid;
	pthread_create(&r, 0, raiser, 0);
	pthread_join(r, &raiser_tid);
	printf("raise(SIGUSR2) in a thread: handled %d time(s), in that thread: %s\n", handled[SIGUSR2],
	       handled_in[SIGUSR2] == (pid_t)(long)raiser_tid ? "yes" : "no");

	printf("pthread_kill(a, 0): %d\n", pthread_kill(w[0].thread, 0));
	long rc = syscall(SYS_tgkill, getpid(), 0x3ffffff0, SIGUSR1);
	printf("tgkill(pid, no such tid): %ld %s\n", rc, rc ? errname(errno) : "");
	rc = syscall(SYS_tgkill, getpid(), -1, SIGUSR1);
	printf("tgkill(pid, -1): %ld %s\n", rc, rc ? errname(errno) : "");
	rc = syscall(SYS_tkill, 0x3ffffff0, 0);
	printf("tkill(no such tid, 0): %ld %s\n", rc, rc ? errname(errno) : "");
	rc = syscall(SYS_tgkill, getpid(), w[1].tid, 0);
	printf("tgkill(pid, b's tid, 0): %ld\n", rc);

	stop_all = 1;
	for (int i = 0; i < 3; i++)
		pthread_join(w[i].thread, 0);

	printf("a thread's pthread_kill(main, SIGTERM) ends the process:\n");
	pid_t p = fork();
	if (p == 0) {
		sigset_t none;
		sigemptyset(&none);
		pthread_sigmask(SIG_SETMASK, &none, 0);
		pthread_t main_thread = pthread_self(), t;
		pthread_create(&t, 0, terminator, &main_thread);
		for (;;)
			nap();
	}
	int status;
	waitpid(p, &status, 0);
	printf("  child killed by signal %d\n", WIFSIGNALED(status) ? WTERMSIG(status) : 0);
	return 0;
}
