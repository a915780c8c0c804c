/* Job control between a parent and its children: a child stops itself
 * (raise(SIGSTOP), raise(SIGTSTP)) and the parent sees it with
 * waitpid(WUNTRACED) (WIFSTOPPED, WSTOPSIG) once only, continues it with
 * SIGCONT and sees that with WCONTINUED (WIFCONTINUED); a SIGTSTP handler
 * runs instead of a stop; a SIGCONT handler runs after the continue;
 * SIGSTOP cannot be caught, ignored or blocked; a blocked SIGTSTP stays
 * pending and stops the child once unblocked; SIGCONT discards a pending
 * stop signal. Each child leads a process group of its own, so its group
 * is not orphaned wherever the suite runs (POSIX discards SIGTSTP in an
 * orphaned group). */
#include "proc.h"

#include <signal.h>
#include <sys/wait.h>

static volatile sig_atomic_t got;

static void on_sig(int sig)
{
	got = sig;
}

static void report(const char *what, int status)
{
	if (WIFSTOPPED(status))
		printf("%s: stopped by signal %d (%s)\n", what, WSTOPSIG(status), strsignal(WSTOPSIG(status)));
	else if (WIFCONTINUED(status))
		printf("%s: continued\n", what);
	else if (WIFSIGNALED(status))
		printf("%s: killed by signal %d\n", what, WTERMSIG(status));
	else if (WIFEXITED(status))
		printf("%s: exited %d\n", what, WEXITSTATUS(status));
	else
		printf("%s: status %#x\n", what, status);
}

/* The write end of the last child's gate: the child exits only once it
 * is closed, so a continue is seen before the end. */
static int gate_w = -1;

static void open_gate(void)
{
	if (gate_w >= 0)
		close(gate_w);
	gate_w = -1;
}

/* Forks a child in a group of its own that runs `body`, waits for its
 * gate to open and exits with what `body` returned. */
static pid_t child(int (*body)(void))
{
	int gate[2];
	pipe(gate);
	pid_t pid = fork();
	if (pid == 0) {
		setpgid(0, 0);
		close(gate[1]);
		int code = body();
		char c;
		read(gate[0], &c, 1);
		_exit(code);
	}
	setpgid(pid, pid);
	close(gate[0]);
	gate_w = gate[1];
	return pid;
}

/* Waits for `pid` with `options`, reports, returns the pid waited. */
static pid_t wait_report(const char *what, pid_t pid, int options)
{
	int status = 0;
	pid_t r = waitpid(pid, &status, options);
	if (r < 0)
		printf("%s: waitpid -1 %s\n", what, errname(errno));
	else if (r == 0)
		printf("%s: nothing to report\n", what);
	else
		report(what, status);
	return r;
}

static int stop_self(void)
{
	raise(SIGSTOP);
	return 3;
}

static int tstp_self(void)
{
	raise(SIGTSTP);
	return 4;
}

static int tstp_handled(void)
{
	signal(SIGTSTP, on_sig);
	raise(SIGTSTP);
	return got == SIGTSTP ? 5 : 6;
}

static int cont_handled(void)
{
	signal(SIGCONT, on_sig);
	raise(SIGSTOP);
	return got == SIGCONT ? 7 : 8;
}

static int stop_unblockable(void)
{
	sigset_t all;
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, 0);
	raise(SIGSTOP);
	return 9;
}

static int tstp_blocked(void)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGTSTP);
	sigprocmask(SIG_BLOCK, &set, 0);
	raise(SIGTSTP);
	sigset_t pending;
	sigpending(&pending);
	int was_pending = sigismember(&pending, SIGTSTP);
	/* Stops here, once unblocked. */
	sigprocmask(SIG_UNBLOCK, &set, 0);
	return was_pending ? 10 : 11;
}

static int cont_discards_stop(void)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGTSTP);
	sigprocmask(SIG_BLOCK, &set, 0);
	raise(SIGTSTP);
	raise(SIGCONT);
	sigset_t pending;
	sigpending(&pending);
	int still = sigismember(&pending, SIGTSTP);
	sigprocmask(SIG_UNBLOCK, &set, 0);
	return still ? 12 : 13;
}

static void stop_and_continue(const char *what, int (*body)(void))
{
	pid_t pid = child(body);
	wait_report(what, pid, WUNTRACED);
	/* A stop is reported once. */
	wait_report(what, pid, WUNTRACED | WNOHANG);
	printf("%s: SIGCONT %d\n", what, kill(pid, SIGCONT));
	wait_report(what, pid, WCONTINUED);
	open_gate();
	wait_report(what, pid, 0);
}

int main(void)
{
	setvbuf(stdout, 0, _IOLBF, 0);

	stop_and_continue("SIGSTOP", stop_self);
	stop_and_continue("SIGTSTP", tstp_self);
	stop_and_continue("SIGCONT handler", cont_handled);
	stop_and_continue("all blocked", stop_unblockable);
	stop_and_continue("blocked SIGTSTP", tstp_blocked);

	pid_t pid = child(tstp_handled);
	open_gate();
	wait_report("SIGTSTP handler", pid, WUNTRACED);
	pid = child(cont_discards_stop);
	open_gate();
	wait_report("SIGCONT discards", pid, WUNTRACED | WCONTINUED);

	/* Without WUNTRACED a stop is not reported (stopped or not yet,
	 * nothing to report); it still is later. */
	pid = child(stop_self);
	int status;
	wait_report("polled", pid, WNOHANG);
	while (waitpid(pid, &status, WNOHANG | WUNTRACED) == 0)
		usleep(1000);
	report("polled", status);
	kill(pid, SIGCONT);
	open_gate();
	wait_report("polled", pid, 0);
	pid = child(stop_self);
	wait_report("late", pid, WUNTRACED);
	kill(pid, SIGCONT);
	/* Continued before anyone asked: WCONTINUED sees it, a plain wait
	 * sees the end. */
	wait_report("late", pid, WCONTINUED);
	open_gate();
	wait_report("late", pid, 0);

	struct sigaction sa = { 0 };
	sa.sa_handler = on_sig;
	int r = sigaction(SIGSTOP, &sa, 0);
	printf("catch SIGSTOP: %d %s\n", r, errname(errno));
	sa.sa_handler = SIG_IGN;
	r = sigaction(SIGSTOP, &sa, 0);
	printf("ignore SIGSTOP: %d %s\n", r, errname(errno));
	r = sigaction(SIGKILL, &sa, 0);
	printf("catch SIGKILL: %d %s\n", r, errname(errno));
	r = waitpid(-1, &status, 0x40);
	printf("bad options: %d %s\n", r, errname(errno));
	r = waitpid(-1, &status, WUNTRACED | WCONTINUED);
	printf("no children: %d %s\n", r, errname(errno));
	return 0;
}
