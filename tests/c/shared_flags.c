/* File status flags (O_NONBLOCK, O_APPEND) belong to the open file
 * description, which dup, fork and exec share: F_SETFL on one fd shows on
 * its dup, and a flag a forked child (or the program it exec'd) sets
 * shows in the parent (and the other way round); so a read on the
 * parent's fd then fails with EAGAIN instead of waiting. Two opens of one
 * file are two descriptions with flags of their own. A watchdog alarm
 * ends the program if a read blocks. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static int nb(int fd)
{
	return (fcntl(fd, F_GETFL) & O_NONBLOCK) != 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, 0, _IOLBF, 0);
	alarm(30);
	if (argc == 4 && strcmp(argv[1], "--set") == 0) {
		/* The exec'd image: set (or clear) O_NONBLOCK on fd argv[2]. */
		int fd = atoi(argv[2]);
		return fcntl(fd, F_SETFL, strcmp(argv[3], "on") == 0 ? O_NONBLOCK : 0) == 0 ? 0 : 1;
	}
	if (argc < 2 || chdir(argv[1]) != 0)
		return 1;
	int p[2];
	pipe(p);
	int d = dup(p[0]);
	fcntl(p[0], F_SETFL, O_NONBLOCK);
	printf("set on fd, seen on its dup: %d\n", nb(d));
	fcntl(d, F_SETFL, 0);
	printf("cleared on the dup, seen on fd: %d\n", nb(p[0]));

	int sync[2];
	pipe(sync);
	pid_t pid = fork();
	if (pid == 0) {
		fcntl(p[0], F_SETFL, O_NONBLOCK);
		write(sync[1], "s", 1);
		_exit(0);
	}
	char c;
	read(sync[0], &c, 1);
	waitpid(pid, 0, 0);
	printf("set by a child, seen by the parent: %d\n", nb(p[0]));
	errno = 0;
	ssize_t r = read(p[0], &c, 1);
	int e = errno;
	printf("parent's read of the empty pipe: %zd %s\n", r, e == EAGAIN ? "EAGAIN" : "other");

	fcntl(p[0], F_SETFL, 0);
	pid = fork();
	if (pid == 0) {
		printf("child sees the parent's clear: %d\n", !nb(p[0]));
		fflush(stdout);
		_exit(0);
	}
	waitpid(pid, 0, 0);

	/* An exec'd child's F_SETFL on an inherited fd. */
	char fdtext[16];
	snprintf(fdtext, sizeof fdtext, "%d", p[0]);
	for (int on = 1; on >= 0; on--) {
		pid = fork();
		if (pid == 0) {
			char *args[] = {argv[0], "--set", fdtext, on ? "on" : "off", 0};
			execvp(argv[0], args);
			_exit(127);
		}
		int st;
		waitpid(pid, &st, 0);
		printf("exec'd child set O_NONBLOCK %s (exit %d), the parent sees %d\n", on ? "on" : "off",
		       WEXITSTATUS(st), nb(p[0]));
	}

	int f = open("f", O_CREAT | O_TRUNC | O_WRONLY, 0644);
	write(f, "0123456789", 10);
	lseek(f, 0, SEEK_SET);
	pid = fork();
	if (pid == 0) {
		fcntl(f, F_SETFL, O_APPEND);
		_exit(0);
	}
	waitpid(pid, 0, 0);
	printf("O_APPEND set by a child, seen by the parent: %d\n", (fcntl(f, F_GETFL) & O_APPEND) != 0);
	write(f, "end", 3);
	printf("file size after the parent's write: %ld\n", (long)lseek(f, 0, SEEK_END));
	/* A second open of the file: a description of its own. */
	int g = open("f", O_WRONLY);
	printf("another open's O_APPEND: %d\n", (fcntl(g, F_GETFL) & O_APPEND) != 0);
	lseek(g, 0, SEEK_SET);
	write(g, "X", 1);
	printf("file size after its write at 0: %ld\n", (long)lseek(f, 0, SEEK_END));
	close(g);
	close(f);
	unlink("f");
	return 0;
}
