/* Signals inside handlers, by the order of events a log records:
 * without SA_NODEFER a handler's own signal raised inside it waits until
 * the handler returns (then runs once); with SA_NODEFER it runs nested at
 * once (a recursion three deep); a signal in the handler's sa_mask waits,
 * one not in it runs nested; a pending blocked signal runs when
 * sigprocmask unblocks it inside the handler; SA_RESETHAND with the own
 * signal raised in the handler: the default action ends the process once
 * the handler returns; siglongjmp out of a handler restores the mask
 * saved by sigsetjmp(env, 1), and sigsetjmp(env, 0) leaves the signal
 * blocked. */
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static char events[256];
static volatile sig_atomic_t depth;
static sigjmp_buf env;

static void note(const char *what)
{
	size_t n = strlen(events);
	if (n + strlen(what) + 2 < sizeof events) {
		strcat(events, what);
		strcat(events, " ");
	}
}

static void self_raising(int sig)
{
	char s[16];
	int me = ++depth;
	snprintf(s, sizeof s, "in%d", me);
	note(s);
	if (me < 3)
		raise(sig);
	snprintf(s, sizeof s, "out%d", me);
	note(s);
}

static void on_usr2(int sig)
{
	(void)sig;
	note("usr2");
}

static void on_hup(int sig)
{
	(void)sig;
	note("hup");
}

static void masking(int sig)
{
	(void)sig;
	note("usr1-in");
	raise(SIGUSR2); /* in sa_mask: waits */
	raise(SIGHUP);  /* not in it: runs now */
	note("usr1-out");
}

static void unblocking(int sig)
{
	(void)sig;
	note("usr1-in");
	sigset_t s;
	sigemptyset(&s);
	sigaddset(&s, SIGUSR2);
	sigprocmask(SIG_UNBLOCK, &s, 0);
	note("usr1-out");
}

static void resethand(int sig)
{
	printf("resethand handler: raising %d again\n", sig);
	fflush(stdout);
	raise(sig);
	printf("resethand handler: returning\n");
	fflush(stdout);
}

static void jumper(int sig)
{
	siglongjmp(env, sig);
}

static void set(int sig, void (*h)(int), int flags, int masked)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = h;
	sa.sa_flags = flags;
	sigemptyset(&sa.sa_mask);
	if (masked)
		sigaddset(&sa.sa_mask, masked);
	sigaction(sig, &sa, 0);
}

static void run(const char *what, int sig)
{
	events[0] = 0;
	depth = 0;
	raise(sig);
	printf("%s: %s\n", what, events);
}

static int blocked(int sig)
{
	sigset_t cur;
	sigprocmask(SIG_BLOCK, 0, &cur);
	return sigismember(&cur, sig);
}

int main(void)
{
	setvbuf(stdout, 0, _IOLBF, 0);
	set(SIGUSR1, self_raising, 0, 0);
	run("own signal, deferred", SIGUSR1);
	set(SIGUSR1, self_raising, SA_NODEFER, 0);
	run("own signal, SA_NODEFER", SIGUSR1);

	set(SIGUSR2, on_usr2, 0, 0);
	set(SIGHUP, on_hup, 0, 0);
	set(SIGUSR1, masking, 0, SIGUSR2);
	run("sa_mask USR2", SIGUSR1);

	sigset_t s;
	sigemptyset(&s);
	sigaddset(&s, SIGUSR2);
	sigprocmask(SIG_BLOCK, &s, 0);
	raise(SIGUSR2);
	set(SIGUSR1, unblocking, 0, 0);
	run("unblocked inside", SIGUSR1);
	printf("USR2 blocked after the handler (mask restored): %d\n", blocked(SIGUSR2));
	sigprocmask(SIG_UNBLOCK, &s, 0);

	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		set(SIGTERM, resethand, SA_RESETHAND, 0);
		raise(SIGTERM);
		printf("child: not reached\n");
		_exit(0);
	}
	int status;
	waitpid(pid, &status, 0);
	printf("SA_RESETHAND child: ended by signal %d\n", WIFSIGNALED(status) ? WTERMSIG(status) : 0);

	set(SIGUSR1, jumper, 0, 0);
	int r = sigsetjmp(env, 1);
	if (r == 0) {
		raise(SIGUSR1);
		printf("not reached\n");
	}
	printf("siglongjmp with the mask saved: got %d, USR1 blocked after %d\n", r, blocked(SIGUSR1));
	r = sigsetjmp(env, 0);
	if (r == 0) {
		raise(SIGUSR1);
		printf("not reached\n");
	}
	printf("siglongjmp without the mask: got %d, USR1 blocked after %d\n", r, blocked(SIGUSR1));
	return 0;
}
