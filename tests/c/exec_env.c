/* The environment through exec: execve with an envp of its own (and only
 * it: the new image's environ has exactly those strings, in order, even
 * ones without '=' or with an empty value), an empty envp, execle, execv
 * (which passes the caller's environ, changed by setenv/unsetenv first),
 * and a program found by PATH with execvp. The child prints what it got
 * and its argv; an argument list with empty strings and long words comes
 * through unchanged. */
#define _GNU_SOURCE
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "proc.h"

extern char **environ;

static const char *self;

static int child(int argc, char **argv)
{
	printf("  argc %d:", argc - 2);
	for (int i = 3; i < argc; i++)
		printf(" [%s]", strlen(argv[i]) > 40 ? "a long word" : argv[i]);
	printf("\n");
	int n = 0;
	for (char **e = environ; *e; e++, n++)
		printf("  env %d: [%s]\n", n, strncmp(*e, "PATH=", 5) ? *e : "PATH=(this program's directory)");
	printf("  %d strings; getenv(B) %s\n", n, getenv("B") ? getenv("B") : "(null)");
	return n;
}

static void wait_for(pid_t p, const char *what)
{
	int status;
	fflush(stdout);
	waitpid(p, &status, 0);
	printf("%s: exited %d\n", what, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
}

int main(int argc, char **argv)
{
	setvbuf(stdout, 0, _IOLBF, 0);
	if (argc > 2 && !strcmp(argv[2], "child"))
		return child(argc, argv);
	self = find_self(argv[0]);

	printf("execve with its own envp:\n");
	pid_t p = fork();
	if (p == 0) {
		char *args[] = { argv[0], argv[1], "child", "one", "", "three words", NULL };
		char *env[] = { "A=1", "B=", "NOEQUALS", "C=x=y", "A=again", NULL };
		execve(self, args, env);
		_exit(127);
	}
	wait_for(p, "execve");

	printf("execve with an empty envp:\n");
	p = fork();
	if (p == 0) {
		char *args[] = { argv[0], argv[1], "child", NULL };
		char *env[] = { NULL };
		execve(self, args, env);
		_exit(127);
	}
	wait_for(p, "empty envp");

	printf("execle:\n");
	p = fork();
	if (p == 0) {
		char *env[] = { "ONLY=execle", "B=bee", NULL };
		execle(self, argv[0], argv[1], "child", "x", (char *)0, env);
		_exit(127);
	}
	wait_for(p, "execle");

	printf("execv after clearenv, setenv and unsetenv:\n");
	p = fork();
	if (p == 0) {
		clearenv();
		setenv("FIRST", "1", 1);
		setenv("B", "from setenv", 1);
		setenv("GONE", "x", 1);
		unsetenv("GONE");
		putenv("PUT=put");
		setenv("FIRST", "not replaced", 0);
		char *args[] = { argv[0], argv[1], "child", NULL };
		execv(self, args);
		_exit(127);
	}
	wait_for(p, "execv");

	printf("execvp by name with PATH set to the program's directory:\n");
	p = fork();
	if (p == 0) {
		char dir[PATH_MAX], *slash;
		snprintf(dir, sizeof dir, "%s", self);
		slash = strrchr(dir, '/');
		*slash = 0;
		char pathvar[PATH_MAX + 32];
		snprintf(pathvar, sizeof pathvar, "PATH=/no/such/dir:%s", dir);
		char *env[] = { pathvar, NULL };
		environ = env;
		char big[300];
		memset(big, 'w', sizeof big - 1);
		big[sizeof big - 1] = 0;
		char *args[] = { slash + 1, argv[1], "child", big, "", "", NULL };
		execvp(slash + 1, args);
		_exit(127);
	}
	wait_for(p, "execvp");
	return 0;
}
