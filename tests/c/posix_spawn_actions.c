/* posix_spawn and posix_spawnp: this program spawned again in a role,
 * with file actions (dup2 a pipe onto stdout, open a file at fd 3, close
 * an fd the child must not see), attributes (a signal mask, SIG_DFL for a
 * signal the parent ignores, a process group of its own) and an
 * environment of its own; posix_spawnp finds the program by PATH; a
 * missing program is reported as ENOENT by the return value; the exit
 * statuses come back through waitpid. (musl's posix_spawn starts the
 * child with clone(CLONE_VM|CLONE_VFORK), which capOS's adapter serves
 * as a fork.) */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "proc.h"

extern char **environ;

static const char *self;

static int child(void)
{
	sigset_t cur;
	sigprocmask(SIG_BLOCK, 0, &cur);
	struct sigaction sa;
	sigaction(SIGINT, 0, &sa);
	char buf[32] = "";
	ssize_t n = read(3, buf, sizeof buf - 1);
	printf("spawned: USR1 blocked %d, INT %s, own group %d, fd 3 read %zd [%s], fd 9 %s, SPAWNED=%s\n",
	       sigismember(&cur, SIGUSR1), sa.sa_handler == SIG_IGN ? "ignored" : "default", getpgrp() == getpid(), n,
	       buf, fcntl(9, F_GETFD) < 0 ? "closed" : "open", getenv("SPAWNED") ? getenv("SPAWNED") : "(unset)");
	return 33;
}


int main(int argc, char **argv)
{
	setvbuf(stdout, 0, _IOLBF, 0);
	if (argc > 2 && !strcmp(argv[2], "spawned"))
		return child();
	if (argc < 2 || chdir(argv[1]) != 0)
		return 1;
	self = find_self(argv[0]);
	int f = open("input", O_CREAT | O_TRUNC | O_WRONLY, 0644);
	write(f, "file content", 12);
	close(f);
	signal(SIGINT, SIG_IGN);
	int keep = open("input", O_RDONLY);
	dup2(keep, 9);
	close(keep);

	int p[2];
	pipe(p);
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, p[1], 1);
	posix_spawn_file_actions_addclose(&fa, p[0]);
	posix_spawn_file_actions_addclose(&fa, p[1]);
	posix_spawn_file_actions_addclose(&fa, 9);
	posix_spawn_file_actions_addopen(&fa, 3, "input", O_RDONLY, 0);
	posix_spawnattr_t at;
	posix_spawnattr_init(&at);
	sigset_t mask, def;
	sigemptyset(&mask);
	sigaddset(&mask, SIGUSR1);
	sigemptyset(&def);
	sigaddset(&def, SIGINT);
	posix_spawnattr_setsigmask(&at, &mask);
	posix_spawnattr_setsigdefault(&at, &def);
	posix_spawnattr_setpgroup(&at, 0);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP);
	char *args[] = { argv[0], argv[1], "spawned", NULL };
	char *env[] = { "SPAWNED=yes", NULL };
	pid_t pid = 0;
	int r = posix_spawn(&pid, self, &fa, &at, args, env);
	printf("posix_spawn: %s, pid set %d\n", errname(r), pid > 0);
	close(p[1]);
	char buf[512] = "";
	ssize_t n, total = 0;
	while ((n = read(p[0], buf + total, sizeof buf - 1 - total)) > 0)
		total += n;
	close(p[0]);
	printf("from it: %s", buf);
	int status = 0;
	if (r == 0)
		waitpid(pid, &status, 0);
	printf("it exited %d\n", WEXITSTATUS(status));
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);

	/* posix_spawnp by name, default attributes, the caller's environment
	 * (here changed with setenv) and fds (9 stays open). */
	char dir[PATH_MAX], *slash;
	snprintf(dir, sizeof dir, "%s", self);
	slash = strrchr(dir, '/');
	*slash = 0;
	setenv("PATH", dir, 1);
	setenv("SPAWNED", "by name", 1);
	int in = open("input", O_RDONLY);
	if (in != 3) {
		dup2(in, 3);
		close(in);
	}
	fflush(stdout);
	char *args2[] = { slash + 1, argv[1], "spawned", NULL };
	r = posix_spawnp(&pid, slash + 1, 0, 0, args2, environ);
	/* Reported after the child ended: it prints too. */
	if (r == 0)
		waitpid(pid, &status, 0);
	printf("posix_spawnp: %s\n", errname(r));
	printf("it exited %d\n", WEXITSTATUS(status));

	char *args3[] = { "nothing", NULL };
	r = posix_spawn(&pid, "/no/such/program", 0, 0, args3, environ);
	printf("missing program: %s\n", errname(r));
	r = posix_spawnp(&pid, "no-such-program-anywhere", 0, 0, args3, environ);
	printf("missing by name: %s\n", errname(r));
	unlink("input");
	return 0;
}
