/* WIFSIGNALED after kill with several signals: a child waiting in pause()
 * is ended by each default-terminate signal in turn and the parent sees
 * the same signal in WTERMSIG (and not WIFEXITED); a child that ignores a
 * signal lives on and exits by itself; a child that blocks SIGTERM gets it
 * pending and dies only when it unblocks; a child that catches a signal
 * exits with a status of its own; default-ignore signals (SIGCHLD,
 * SIGURG, SIGWINCH) do not end a process. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t caught;

static void on_sig(int sig)
{
	caught = sig;
}

static void describe(const char *what, int status)
{
	if (WIFSIGNALED(status))
		printf("%s: signaled %d, exited %d, signal %d (%s)\n", what, WIFSIGNALED(status), WIFEXITED(status),
		       WTERMSIG(status), strsignal(WTERMSIG(status)));
	else
		printf("%s: signaled %d, exited %d, status %d\n", what, WIFSIGNALED(status), WIFEXITED(status),
		       WEXITSTATUS(status));
}

/* A child that tells the parent it is ready, then waits; mode chooses
 * what it does with sig first. */
static pid_t ready_child(int sig, int mode)
{
	int p[2];
	pipe(p);
	pid_t pid = fork();
	if (pid == 0) {
		close(p[0]);
		sigset_t set;
		sigemptyset(&set);
		sigaddset(&set, sig);
		if (mode == 1)
			signal(sig, SIG_IGN);
		if (mode == 2)
			sigprocmask(SIG_BLOCK, &set, 0);
		if (mode == 3)
			signal(sig, on_sig);
		write(p[1], "r", 1);
		close(p[1]);
		if (mode == 2) {
			/* Wait until the signal is pending, then unblock. */
			sigset_t pend;
			for (int i = 0; i < 5000; i++) {
				sigpending(&pend);
				if (sigismember(&pend, sig))
					break;
				usleep(1000);
			}
			sigpending(&pend);
			dprintf(1, "blocked child: pending %d before unblocking\n", sigismember(&pend, sig));
			sigprocmask(SIG_UNBLOCK, &set, 0);
			_exit(50);
		}
		if (mode == 3) {
			while (!caught)
				pause();
			_exit(60 + caught % 10);
		}
		if (mode == 1 || mode == 4) {
			/* Sleep in steps: the signal may come at any time. */
			for (int i = 0; i < 5; i++)
				usleep(20 * 1000);
			_exit(40);
		}
		for (;;)
			pause();
	}
	close(p[1]);
	char c;
	read(p[0], &c, 1);
	close(p[0]);
	return pid;
}

int main(void)
{
	setvbuf(stdout, 0, _IOLBF, 0);
	int sigs[] = { SIGHUP, SIGINT, SIGKILL, SIGUSR1, SIGUSR2, SIGPIPE, SIGALRM, SIGTERM };
	for (unsigned i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
		pid_t pid = ready_child(sigs[i], 0);
		int r = kill(pid, sigs[i]);
		int status;
		waitpid(pid, &status, 0);
		char what[32];
		snprintf(what, sizeof what, "kill %d -> %d", sigs[i], r);
		describe(what, status);
	}
	int status;
	pid_t pid = ready_child(SIGINT, 1);
	kill(pid, SIGINT);
	waitpid(pid, &status, 0);
	describe("ignored SIGINT", status);

	pid = ready_child(SIGTERM, 2);
	kill(pid, SIGTERM);
	waitpid(pid, &status, 0);
	describe("blocked SIGTERM", status);

	pid = ready_child(SIGUSR2, 3);
	kill(pid, SIGUSR2);
	waitpid(pid, &status, 0);
	describe("caught SIGUSR2", status);

	int harmless[] = { SIGCHLD, SIGURG, SIGWINCH };
	for (int i = 0; i < 3; i++) {
		pid = ready_child(harmless[i], 4);
		kill(pid, harmless[i]);
		waitpid(pid, &status, 0);
		char what[32];
		snprintf(what, sizeof what, "default-ignore %d", harmless[i]);
		describe(what, status);
	}

	/* SIGTERM then SIGKILL to the same child: the first wins. */
	pid = ready_child(SIGTERM, 0);
	kill(pid, SIGTERM);
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	describe("TERM then KILL", status);
	return 0;
}
