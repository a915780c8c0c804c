/* File status flags (O_NONBLOCK, O_APPEND) belong to the open file
 * description, which dup and fork share: F_SETFL on one fd shows on its
 * dup, and a flag a forked child sets shows in the parent (and the other
 * way round); so a read on the parent's fd then fails with EAGAIN instead
 * of waiting. A watchdog alarm ends the program if a read blocks.
 *
 * Gap (capOS today): a dup sees the change, but the flags are not shared
 * with the other process after fork: the parent does not see the child's
 * O_NONBLOCK, its read waits and the watchdog's SIGALRM ends it. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
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
	close(f);
	unlink("f");
	return 0;
}
