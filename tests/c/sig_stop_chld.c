/* SIGCHLD for a child's stop and continue: sent with si_code CLD_STOPPED
 * by the time waitpid reports the stop, CLD_CONTINUED for the continue (a
 * SIGCHLD already pending keeps its si_code when the child then exits);
 * none for a stop or a continue once the SIGCHLD
 * action has SA_NOCLDSTOP (the end still sends one). SIGCHLD is blocked
 * around each change and checked with sigpending, so the order of the
 * handler and waitpid does not matter. */
#include "proc.h"

#include <signal.h>
#include <sys/wait.h>

static volatile sig_atomic_t codes[8];
static volatile sig_atomic_t ncodes;

static void on_chld(int sig, siginfo_t *info, void *ctx)
{
	(void)sig;
	(void)ctx;
	if (ncodes < 8)
		codes[ncodes++] = info->si_code;
}

static const char *code_name(int code)
{
	switch (code) {
	case CLD_EXITED:
		return "CLD_EXITED";
	case CLD_KILLED:
		return "CLD_KILLED";
	case CLD_STOPPED:
		return "CLD_STOPPED";
	case CLD_CONTINUED:
		return "CLD_CONTINUED";
	default:
		return "another code";
	}
}

static sigset_t chld;

/* SIGCHLD pending after a change (then taken by unblocking it). */
static void take(const char *what)
{
	sigset_t pending;
	sigpending(&pending);
	int was = sigismember(&pending, SIGCHLD);
	ncodes = 0;
	sigprocmask(SIG_UNBLOCK, &chld, 0);
	sigprocmask(SIG_BLOCK, &chld, 0);
	printf("%s: SIGCHLD %s", what, was ? "sent" : "not sent");
	for (int i = 0; i < ncodes; i++)
		printf(" %s", code_name(codes[i]));
	printf("\n");
}

static void run(const char *label, int flags)
{
	struct sigaction sa = { 0 };
	sa.sa_sigaction = on_chld;
	sa.sa_flags = SA_SIGINFO | flags;
	sigaction(SIGCHLD, &sa, 0);

	/* The child exits once `gate` is closed, so waitpid sees the
	 * continue before the end. */
	int gate[2];
	pipe(gate);
	pid_t pid = fork();
	if (pid == 0) {
		setpgid(0, 0);
		close(gate[1]);
		raise(SIGSTOP);
		char c;
		read(gate[0], &c, 1);
		_exit(2);
	}
	setpgid(pid, pid);
	close(gate[0]);
	int status;
	printf("%s\n", label);
	waitpid(pid, &status, WUNTRACED);
	printf("stopped: %d\n", WIFSTOPPED(status));
	take("stop");
	kill(pid, SIGCONT);
	waitpid(pid, &status, WCONTINUED);
	printf("continued: %d\n", WIFCONTINUED(status));
	close(gate[1]);
	/* Linux sends the continue's SIGCHLD when the child runs again, maybe
	 * after waitpid saw the continue: look once the child ended (a
	 * pending SIGCHLD keeps the first si_code). */
	waitpid(pid, &status, 0);
	printf("exited: %d\n", WEXITSTATUS(status));
	take("continue and exit");
}

int main(void)
{
	setvbuf(stdout, 0, _IOLBF, 0);
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_BLOCK, &chld, 0);
	run("default flags", 0);
	run("SA_NOCLDSTOP", SA_NOCLDSTOP);
	return 0;
}
