/* The signal mask and dispositions across fork and exec: a blocked set
 * (SIGUSR1, SIGTERM, SIGHUP) is inherited by a forked child and kept by
 * exec; a signal sent while blocked stays pending through exec and is
 * acted on (by the new image's default action) when it unblocks; a
 * forked child starts with no pending signals of its own; handlers go
 * back to SIG_DFL at exec while SIG_IGN stays, for several signals;
 * the new image can still ignore a signal it inherited as ignored. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void handler(int sig)
{
	(void)sig;
}

static void show_mask(const char *who)
{
	sigset_t cur;
	sigprocmask(SIG_BLOCK, 0, &cur);
	printf("%s: blocked USR1 %d TERM %d HUP %d USR2 %d\n", who, sigismember(&cur, SIGUSR1), sigismember(&cur, SIGTERM),
	       sigismember(&cur, SIGHUP), sigismember(&cur, SIGUSR2));
}

static void show_pending(const char *who)
{
	sigset_t p;
	sigpending(&p);
	printf("%s: pending USR1 %d TERM %d HUP %d\n", who, sigismember(&p, SIGUSR1), sigismember(&p, SIGTERM),
	       sigismember(&p, SIGHUP));
}

static const char *disp(int sig)
{
	struct sigaction sa;
	sigaction(sig, 0, &sa);
	return sa.sa_handler == SIG_DFL ? "default" : sa.sa_handler == SIG_IGN ? "ignored" : "handler";
}

/* Unblocks sig, which is pending with its default action. */
static void unblock_and_die(int sig, const char *who)
{
	fflush(stdout);
	sigset_t one;
	sigemptyset(&one);
	sigaddset(&one, sig);
	sigprocmask(SIG_UNBLOCK, &one, 0);
	printf("%s: not reached\n", who);
}

static int after_exec(void)
{
	show_mask("after exec");
	show_pending("after exec");
	printf("after exec: INT %s, QUIT %s, USR2 %s, ALRM %s, PIPE %s, CHLD %s\n", disp(SIGINT), disp(SIGQUIT),
	       disp(SIGUSR2), disp(SIGALRM), disp(SIGPIPE), disp(SIGCHLD));
	/* Ignored ones are dropped even when sent now. */
	kill(getpid(), SIGINT);
	kill(getpid(), SIGPIPE);
	printf("after exec: survived SIGINT and SIGPIPE\n");
	/* SIGHUP is pending: its default action ends us. */
	unblock_and_die(SIGHUP, "after exec");
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, 0, _IOLBF, 0);
	if (argc > 2 && !strcmp(argv[2], "after-exec"))
		return after_exec();
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, 0);
	signal(SIGUSR1, handler);
	raise(SIGUSR1);
	show_mask("parent");
	show_pending("parent");

	/* fork: mask inherited, pending set empty in the child. */
	int sync[2], back[2];
	pipe(sync);
	pipe(back);
	pid_t pid = fork();
	if (pid == 0) {
		show_mask("child");
		show_pending("child");
		write(back[1], "r", 1);
		char c;
		read(sync[0], &c, 1);
		show_pending("child after kill TERM");
		unblock_and_die(SIGTERM, "child");
		_exit(0);
	}
	char c;
	read(back[0], &c, 1);
	kill(pid, SIGTERM);
	write(sync[1], "g", 1);
	int status;
	waitpid(pid, &status, 0);
	printf("child ended by signal %d\n", WIFSIGNALED(status) ? WTERMSIG(status) : 0);

	/* exec: mask kept, pending kept, handlers reset, ignored kept. */
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		signal(SIGINT, SIG_IGN);
		signal(SIGPIPE, SIG_IGN);
		signal(SIGQUIT, handler);
		signal(SIGUSR2, handler);
		signal(SIGALRM, handler);
		raise(SIGHUP);
		char *args[] = { argv[0], argv[1], "after-exec", NULL };
		execvp(argv[0], args);
		_exit(127);
	}
	waitpid(pid, &status, 0);
	printf("exec'd child ended by signal %d\n", WIFSIGNALED(status) ? WTERMSIG(status) : 0);
	sigprocmask(SIG_UNBLOCK, &set, 0);
	printf("parent: USR1 handled on unblock, still here\n");
	return 0;
}
