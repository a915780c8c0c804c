/* What crosses exec: the environment given to execve (and only it), the
 * current directory, fds without FD_CLOEXEC at their numbers with their
 * flags (O_APPEND), and not the close-on-exec ones (O_CLOEXEC at open,
 * F_SETFD, dup3 with O_CLOEXEC, pipe2 with O_CLOEXEC). */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static const char *state(int fd)
{
	int flags = fcntl(fd, F_GETFL);
	if (flags < 0)
		return "closed";
	return flags & O_APPEND ? "open, append" : "open";
}

int main(int argc, char **argv)
{
	if (argc > 2 && !strcmp(argv[2], "after")) {
		char cwd[256];
		getcwd(cwd, sizeof cwd);
		printf("after exec: in sub: %d\n", strstr(cwd, "/sub") != NULL);
		for (char **e = environ; *e; e++)
			if (!strncmp(*e, "X_", 2))
				printf("env %s\n", *e);
		for (int fd = 3; fd <= 9; fd++)
			printf("fd %d: %s\n", fd, state(fd));
		write(4, "from the new image\n", 19);
		return 0;
	}
	if (argc < 2 || chdir(argv[1]) != 0)
		return 1;
	mkdir("sub", 0755);
	chdir("sub");
	int log = open("log.txt", O_CREAT | O_TRUNC | O_WRONLY | O_APPEND, 0644);
	dup2(log, 4);
	close(log);
	int a = open("log.txt", O_RDONLY | O_CLOEXEC);
	dup2(a, 5);
	fcntl(5, F_SETFD, FD_CLOEXEC);
	close(a);
	int b = open("log.txt", O_RDONLY);
	dup3(b, 6, O_CLOEXEC);
	dup2(b, 7);
	close(b);
	int p[2];
	pipe2(p, O_CLOEXEC);
	dup2(p[0], 8);
	dup2(p[1], 9);
	fcntl(8, F_SETFD, FD_CLOEXEC);
	close(p[0]);
	close(p[1]);
	fflush(stdout);
	pid_t kid = fork();
	if (kid == 0) {
		char *args[] = { argv[0], argv[1], "after", NULL };
		char *env[] = { "X_ONE=1", "X_TWO=two words", NULL };
		environ = env;
		execvp(argv[0], args);
		_exit(127);
	}
	int status;
	waitpid(kid, &status, 0);
	printf("child status %d\n", WEXITSTATUS(status));
	char buf[64] = "";
	int f = open("log.txt", O_RDONLY);
	read(f, buf, sizeof buf - 1);
	close(f);
	printf("log: %s", buf);
	unlink("log.txt");
	chdir("..");
	rmdir("sub");
	return 0;
}
