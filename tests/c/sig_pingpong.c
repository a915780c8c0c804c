/* Signals as a conversation between two processes: parent and child send
 * each other SIGUSR1 twenty times, each waiting in sigsuspend with the
 * signal blocked outside it (no signal lost, none handled twice); then the
 * child counts a burst of SIGUSR2 sent while it blocks it (standard
 * signals do not queue: one pending) and reports by exit status; a
 * SA_SIGINFO handler sees the sender's pid (the parent's, compared by the
 * child) and si_code SI_USER for kill. */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define ROUNDS 20

static volatile sig_atomic_t got1, got2, from_parent, code_user;

static void on_usr1(int sig)
{
	(void)sig;
	got1++;
}

static void on_usr2(int sig, siginfo_t *info, void *ctx)
{
	(void)sig;
	(void)ctx;
	got2++;
	from_parent = info->si_pid == getppid();
	code_user = info->si_code == SI_USER;
}

int main(void)
{
	setvbuf(stdout, 0, _IOLBF, 0);
	sigset_t block, old;
	sigemptyset(&block);
	sigaddset(&block, SIGUSR1);
	sigaddset(&block, SIGUSR2);
	sigprocmask(SIG_BLOCK, &block, &old);
	signal(SIGUSR1, on_usr1);
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_usr2;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGUSR2, &sa, 0);
	sigset_t wait_mask = old;
	sigdelset(&wait_mask, SIGUSR1);

	int ready[2], go[2];
	pipe(ready);
	pipe(go);
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid == 0) {
		/* Child: answer each SIGUSR1 with one. */
		for (int i = 0; i < ROUNDS; i++) {
			while (got1 <= i)
				sigsuspend(&wait_mask);
			kill(parent, SIGUSR1);
		}
		/* Then a burst of SIGUSR2 while blocked. */
		write(ready[1], "r", 1);
		char c;
		read(go[0], &c, 1);
		sigset_t pend;
		sigpending(&pend);
		int pending = sigismember(&pend, SIGUSR2);
		sigprocmask(SIG_UNBLOCK, &block, 0);
		_exit(got1 == ROUNDS && pending ? 10 * got2 + from_parent * 2 + code_user : 99);
	}
	int answered = 0;
	for (int i = 0; i < ROUNDS; i++) {
		kill(pid, SIGUSR1);
		while (got1 <= i)
			sigsuspend(&wait_mask);
		answered++;
	}
	printf("ping-pong: %d rounds, %d answers, handler ran %d times\n", ROUNDS, answered, (int)got1);
	char c;
	read(ready[0], &c, 1);
	for (int i = 0; i < 5; i++)
		kill(pid, SIGUSR2);
	write(go[1], "g", 1);
	int status;
	waitpid(pid, &status, 0);
	int s = WEXITSTATUS(status);
	printf("child: %s; SIGUSR2 handled %d time(s) after 5 sends, sender was the parent %d, SI_USER %d\n",
	       s == 99 ? "ping-pong or pending check failed" : "ok", s / 10, s % 10 / 2, s % 2);
	return 0;
}
