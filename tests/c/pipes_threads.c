/* Pipes within one process: a thread writes, the main thread reads;
 * end of file when the writer closes; a big transfer through the 64 KiB
 * buffer; O_NONBLOCK (EAGAIN on empty and full); EPIPE with SIGPIPE
 * ignored; poll and select with timeouts; fstat says FIFO. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdint.h>
#include <string.h>
#include <sys/select.h>
#include <sys/stat.h>
#include <unistd.h>

static int fds[2];

static void *writer(void *arg)
{
	(void)arg;
	static char block[10000];
	uint32_t x = 1;
	for (int round = 0; round < 100; round++) {
		for (size_t i = 0; i < sizeof block; i++) {
			x = x * 1664525 + 1013904223;
			block[i] = (char)(x >> 24);
		}
		size_t done = 0;
		while (done < sizeof block) {
			ssize_t n = write(fds[1], block + done, sizeof block - done);
			if (n <= 0)
				return (void *)1;
			done += (size_t)n;
		}
	}
	close(fds[1]);
	return NULL;
}

int main(void)
{
	if (pipe(fds) != 0) {
		perror("pipe");
		return 1;
	}
	struct stat st;
	fstat(fds[0], &st);
	printf("fifo %d, lseek %ld (%s)\n", S_ISFIFO(st.st_mode), (long)lseek(fds[0], 0, SEEK_SET),
	       errno == ESPIPE ? "ESPIPE" : "?");
	pthread_t t;
	pthread_create(&t, NULL, writer, NULL);
	char buf[7000];
	long total = 0;
	uint32_t sum = 0;
	ssize_t n;
	while ((n = read(fds[0], buf, sizeof buf)) > 0) {
		for (ssize_t i = 0; i < n; i++)
			sum = sum * 31 + (unsigned char)buf[i];
		total += n;
	}
	void *ret;
	pthread_join(t, &ret);
	printf("read %ld bytes, checksum %08x, last read %zd, writer %ld\n", total, sum, n, (long)(intptr_t)ret);
	close(fds[0]);

	/* Non-blocking ends. */
	pipe2(fds, O_NONBLOCK);
	printf("empty read: %zd %s\n", read(fds[0], buf, 10), errno == EAGAIN ? "EAGAIN" : "?");
	long filled = 0;
	static char chunk[4096];
	while ((n = write(fds[1], chunk, sizeof chunk)) > 0)
		filled += n;
	printf("filled %ld, then %s\n", filled, errno == EAGAIN ? "EAGAIN" : "?");
	struct pollfd p[2] = { { fds[0], POLLIN, 0 }, { fds[1], POLLOUT, 0 } };
	printf("poll: %d, in %d, out %d\n", poll(p, 2, 0), !!(p[0].revents & POLLIN), !!(p[1].revents & POLLOUT));
	while (read(fds[0], buf, sizeof buf) > 0)
		;
	p[0].revents = p[1].revents = 0;
	printf("poll drained: %d, in %d, out %d\n", poll(p, 2, 50), !!(p[0].revents & POLLIN),
	       !!(p[1].revents & POLLOUT));
	close(fds[0]);
	close(fds[1]);

	/* Timeouts and select. */
	pipe(fds);
	struct pollfd one = { fds[0], POLLIN, 0 };
	printf("poll timeout: %d\n", poll(&one, 1, 30));
	fd_set r;
	FD_ZERO(&r);
	FD_SET(fds[0], &r);
	struct timeval tv = { 0, 20000 };
	printf("select timeout: %d\n", select(fds[0] + 1, &r, NULL, NULL, &tv));
	write(fds[1], "x", 1);
	FD_ZERO(&r);
	FD_SET(fds[0], &r);
	tv.tv_usec = 20000;
	printf("select ready: %d, set %d\n", select(fds[0] + 1, &r, NULL, NULL, &tv), FD_ISSET(fds[0], &r));
	close(fds[1]);
	read(fds[0], buf, 1);
	one.revents = 0;
	printf("poll after the writer closed: %d, hup %d, read %zd\n", poll(&one, 1, -1), !!(one.revents & POLLHUP),
	       read(fds[0], buf, 1));
	close(fds[0]);

	/* No reader: EPIPE (SIGPIPE ignored). */
	signal(SIGPIPE, SIG_IGN);
	pipe(fds);
	close(fds[0]);
	printf("write without reader: %zd %s\n", write(fds[1], "x", 1), errno == EPIPE ? "EPIPE" : "?");
	close(fds[1]);
	/* dup keeps the end open. */
	pipe(fds);
	int again = dup(fds[1]);
	close(fds[1]);
	write(again, "dup", 3);
	close(again);
	memset(buf, 0, sizeof buf);
	printf("through a dup: %zd %s, then %zd\n", read(fds[0], buf, 10), buf, read(fds[0], buf, 10));
	return 0;
}
