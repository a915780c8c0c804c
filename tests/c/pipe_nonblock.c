/* Non-blocking pipes: a read from an empty pipe is EAGAIN (and 0 once the
 * writer is gone); writes of PIPE_BUF fill the pipe until EAGAIN (the
 * capacity is printed: 64 KiB on both); a write larger than PIPE_BUF is
 * partial when only some room is left, and EAGAIN when none is; a small
 * write is all-or-nothing; O_NONBLOCK cleared with F_SETFL on one end
 * only; a blocking read waits for a child's write; with no writer, read
 * is 0, with no reader, write is EPIPE (SIGPIPE ignored). A watchdog
 * alarm ends the program (SIGALRM) if a read blocks that should not. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "proc.h"


static const char *err(ssize_t r, int e)
{
	if (r >= 0)
		return "ok";
	return e == EAGAIN ? "EAGAIN" : e == EPIPE ? "EPIPE" : errname(e);
}

int main(void)
{
	setvbuf(stdout, 0, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	alarm(30);
	int p[2];
	pipe2(p, O_NONBLOCK);
	printf("pipe2 O_NONBLOCK: read end %d, write end %d\n", (fcntl(p[0], F_GETFL) & O_NONBLOCK) != 0,
	       (fcntl(p[1], F_GETFL) & O_NONBLOCK) != 0);
	char buf[PIPE_BUF * 4];
	errno = 0;
	ssize_t r = read(p[0], buf, 10);
	int e = errno;
	printf("read empty: %zd %s\n", r, err(r, e));

	memset(buf, 'x', sizeof buf);
	long total = 0;
	int writes = 0;
	for (;;) {
		errno = 0;
		r = write(p[1], buf, PIPE_BUF);
		e = errno;
		if (r < 0)
			break;
		total += r;
		writes++;
		if (r != PIPE_BUF)
			printf("a PIPE_BUF write was split: %zd\n", r);
	}
	printf("filled: %d writes, %ld bytes (%ld KiB), then %s\n", writes, total, total / 1024, err(r, e));
	errno = 0;
	r = write(p[1], "y", 1);
	e = errno;
	printf("1 byte into the full pipe: %zd %s\n", r, err(r, e));
	errno = 0;
	r = write(p[1], buf, sizeof buf);
	e = errno;
	printf("16 KiB into the full pipe: %zd %s\n", r, err(r, e));

	/* Free one PIPE_BUF: a large write takes what fits. */
	r = read(p[0], buf, PIPE_BUF);
	printf("read %zd\n", r);
	errno = 0;
	r = write(p[1], buf, sizeof buf);
	e = errno;
	printf("16 KiB with 4 KiB free: %zd %s\n", r, err(r, e));
	errno = 0;
	r = write(p[1], buf, 100);
	e = errno;
	printf("100 bytes with no room: %zd %s\n", r, err(r, e));

	/* Drain: count, then EAGAIN again. */
	long drained = 0;
	while ((r = read(p[0], buf, sizeof buf)) > 0)
		drained += r;
	e = errno;
	printf("drained %ld bytes, then %s\n", drained, err(r, e));

	/* Cleared on the read end only (the write end is another open file). */
	fcntl(p[0], F_SETFL, fcntl(p[0], F_GETFL) & ~O_NONBLOCK);
	printf("cleared on the read end: %d, write end still %d\n", (fcntl(p[0], F_GETFL) & O_NONBLOCK) != 0,
	       (fcntl(p[1], F_GETFL) & O_NONBLOCK) != 0);

	/* Blocking reader, non-blocking writer: data from a child. */
	fcntl(p[0], F_SETFL, 0);
	pid_t pid = fork();
	if (pid == 0) {
		usleep(100 * 1000);
		write(p[1], "late", 4);
		_exit(0);
	}
	r = read(p[0], buf, 10);
	printf("blocking read got %zd [%.*s]\n", r, (int)(r > 0 ? r : 0), buf);
	waitpid(pid, 0, 0);

	fcntl(p[0], F_SETFL, O_NONBLOCK);
	close(p[1]);
	errno = 0;
	r = read(p[0], buf, 10);
	e = errno;
	printf("no writer left: read %zd %s\n", r, err(r, e));

	pipe2(p, O_NONBLOCK);
	close(p[0]);
	errno = 0;
	r = write(p[1], "z", 1);
	e = errno;
	printf("no reader left: write %zd %s\n", r, err(r, e));
	return 0;
}
