/* sigaction details: SA_SIGINFO gets the number and the sender's pid,
 * SA_RESETHAND goes back to the default, the old action comes back,
 * sa_mask blocks during the handler, SIGKILL cannot be caught, an
 * ignored signal is dropped, raise of a default-terminate signal in a
 * child ends it by that signal, a blocked signal waits until unblocked,
 * handlers survive fork, and exec keeps ignored signals ignored. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t count, signo, from_self, masked_usr2;

static void with_info(int sig, siginfo_t *info, void *ctx)
{
	(void)ctx;
	signo = info->si_signo;
	from_self = info->si_pid == getpid();
	count++;
	(void)sig;
}

static void plain(int sig)
{
	sigset_t now;
	sigprocmask(SIG_BLOCK, 0, &now);
	masked_usr2 = sigismember(&now, SIGUSR2);
	signo = sig;
	count++;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, 0, _IOLBF, 0);
	if (argc > 2 && !strcmp(argv[2], "after-exec")) {
		struct sigaction sa;
		sigaction(SIGTERM, 0, &sa);
		printf("after exec: SIGTERM %s\n", sa.sa_handler == SIG_IGN ? "ignored" : "default");
		sigaction(SIGUSR1, 0, &sa);
		printf("after exec: SIGUSR1 %s\n", sa.sa_handler == SIG_DFL ? "default" : "other");
		kill(getpid(), SIGTERM);
		printf("after exec: SIGTERM survived\n");
		return 0;
	}
	struct sigaction sa, old;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = with_info;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGUSR1, &sa, 0);
	kill(getpid(), SIGUSR1);
	printf("siginfo: signo %d, from self %d, count %d\n", (int)signo, (int)from_self, (int)count);

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = plain;
	sigemptyset(&sa.sa_mask);
	sigaddset(&sa.sa_mask, SIGUSR2);
	sa.sa_flags = SA_RESETHAND;
	sigaction(SIGUSR1, &sa, &old);
	printf("old action had SA_SIGINFO: %d\n", (old.sa_flags & SA_SIGINFO) != 0);
	raise(SIGUSR1);
	printf("plain: signo %d, SIGUSR2 masked in handler %d, count %d\n", (int)signo, (int)masked_usr2, (int)count);
	sigaction(SIGUSR1, 0, &old);
	printf("after SA_RESETHAND: %s\n", old.sa_handler == SIG_DFL ? "default" : "still set");

	errno = 0;
	int r = sigaction(SIGKILL, &sa, 0);
	printf("catch SIGKILL: %d %s\n", r, strerror(errno));

	signal(SIGUSR2, SIG_IGN);
	raise(SIGUSR2);
	printf("ignored SIGUSR2: still here\n");

	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sa.sa_flags = 0;
	sigaction(SIGUSR1, &sa, 0);
	count = 0;
	sigprocmask(SIG_BLOCK, &set, 0);
	raise(SIGUSR1);
	printf("blocked: count %d\n", (int)count);
	sigprocmask(SIG_UNBLOCK, &set, 0);
	printf("unblocked: count %d\n", (int)count);

	int status;
	pid_t pid = fork();
	if (pid == 0) {
		raise(SIGUSR1);
		printf("child: handler inherited, count %d\n", (int)count);
		fflush(stdout);
		signal(SIGUSR1, SIG_DFL);
		raise(SIGUSR1);
		_exit(0);
	}
	waitpid(pid, &status, 0);
	printf("child ended by signal %d\n", WIFSIGNALED(status) ? WTERMSIG(status) : 0);

	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		signal(SIGTERM, SIG_IGN);
		execlp(argv[0], argv[0], argv[1], "after-exec", (char *)0);
		_exit(99);
	}
	waitpid(pid, &status, 0);
	printf("exec child exited %d\n", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	return 0;
}
