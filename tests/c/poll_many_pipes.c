/* poll and select on five pipes at once: a child holds the write ends and
 * acts on commands from the parent (write to pipe k, close pipe k), then
 * acknowledges; the parent checks which pipes are readable: none (a
 * timeout, which takes about its time),
 * exactly the ones written, POLLHUP on a closed one, POLLNVAL on a bad
 * fd; select with read and write sets, a full pipe not writable until
 * drained. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/select.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "proc.h"


#define N 5

static int data[N][2], cmd[2], ack[2];

static long now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000L + t.tv_nsec / 1000000;
}

static void worker(void)
{
	char c[2];
	while (read(cmd[0], c, 2) == 2) {
		int k = c[1] - '0';
		if (c[0] == 'w')
			write(data[k][1], "x", 1);
		else if (c[0] == 'c')
			close(data[k][1]);
		else if (c[0] == 'a')
			write(ack[1], "a", 1);
	}
	_exit(0);
}

/* Sends commands (pairs like "w1c3") and waits for the acknowledgement. */
static void order(const char *what)
{
	write(cmd[1], what, strlen(what));
	write(cmd[1], "a0", 2);
	char c;
	read(ack[0], &c, 1);
}

static void show_poll(const char *what, int timeout)
{
	struct pollfd fds[N];
	for (int i = 0; i < N; i++)
		fds[i] = (struct pollfd){ data[i][0], POLLIN, 0 };
	long t0 = now_ms();
	int r = poll(fds, N, timeout);
	long dt = now_ms() - t0;
	printf("%s: poll %d:", what, r);
	for (int i = 0; i < N; i++)
		printf(" %s%s%s", fds[i].revents & POLLIN ? "in" : "", fds[i].revents & POLLHUP ? "hup" : "",
		       fds[i].revents & POLLNVAL ? "nval" : fds[i].revents ? "" : "-");
	if (timeout > 0 && r == 0)
		printf(" (took at least the timeout: %s)", dt >= timeout - 20 ? "yes" : "no");
	printf("\n");
}

static void drain(int k)
{
	char buf[16];
	read(data[k][0], buf, sizeof buf);
}

int main(void)
{
	setvbuf(stdout, 0, _IOLBF, 0);
	pipe(cmd);
	pipe(ack);
	for (int i = 0; i < N; i++)
		pipe(data[i]);
	pid_t pid = fork();
	if (pid == 0) {
		close(cmd[1]);
		close(ack[0]);
		for (int i = 0; i < N; i++)
			close(data[i][0]);
		worker();
	}
	close(cmd[0]);
	close(ack[1]);
	for (int i = 0; i < N; i++)
		close(data[i][1]);

	show_poll("nothing written, timeout 0", 0);
	show_poll("nothing written, timeout 200 ms", 200);
	order("w2");
	show_poll("pipe 2 written", 5000);
	order("w0w4");
	show_poll("pipes 0 and 4 too", 5000);
	drain(0);
	drain(2);
	drain(4);
	show_poll("all drained", 100);
	order("c3");
	show_poll("pipe 3 closed", 5000);
	struct pollfd two[2] = { { data[1][0], POLLIN, 0 }, { 99, POLLIN, 0 } };
	int pr = poll(two, 2, 5000);
	printf("a bad fd next to an empty pipe: poll %d, revents %#x %#x\n", pr, two[0].revents, two[1].revents);

	/* select: read sets, the timeout and the timeval left. */
	fd_set rd;
	FD_ZERO(&rd);
	int maxfd = 0;
	for (int i = 0; i < N; i++)
		if (i != 3) {
			FD_SET(data[i][0], &rd);
			if (data[i][0] > maxfd)
				maxfd = data[i][0];
		}
	struct timeval tv = { 0, 150000 };
	long t0 = now_ms();
	int r = select(maxfd + 1, &rd, 0, 0, &tv);
	long dt = now_ms() - t0;
	/* (Linux writes the time left back into tv; musl's select passes a
	 * copy, so tv is not compared.) */
	printf("select, nothing ready: %d, took at least 150 ms %s\n", r, dt >= 130 ? "yes" : "no");
	order("w1w2");
	FD_ZERO(&rd);
	for (int i = 0; i < N; i++)
		if (i != 3)
			FD_SET(data[i][0], &rd);
	tv = (struct timeval){ 5, 0 };
	r = select(maxfd + 1, &rd, 0, 0, &tv);
	printf("select after writes to 1 and 2: %d:", r);
	for (int i = 0; i < N; i++)
		printf(" %d", i != 3 && FD_ISSET(data[i][0], &rd));
	printf("\n");

	/* A full pipe is not writable; drained, it is. */
	int full[2];
	pipe(full);
	fcntl(full[1], F_SETFL, O_NONBLOCK);
	char block[4096];
	memset(block, 'f', sizeof block);
	long total = 0;
	ssize_t n;
	while ((n = write(full[1], block, sizeof block)) > 0)
		total += n;
	fd_set wr;
	FD_ZERO(&wr);
	FD_SET(full[1], &wr);
	tv = (struct timeval){ 0, 100000 };
	r = select(full[1] + 1, 0, &wr, 0, &tv);
	printf("full pipe (%ld bytes): select for writing %d, set %d\n", total, r, FD_ISSET(full[1], &wr));
	while (total > 0 && (n = read(full[0], block, sizeof block)) > 0)
		total -= n;
	FD_ZERO(&wr);
	FD_SET(full[1], &wr);
	tv = (struct timeval){ 0, 100000 };
	r = select(full[1] + 1, 0, &wr, 0, &tv);
	printf("drained: select for writing %d, set %d\n", r, FD_ISSET(full[1], &wr));

	/* A closed fd below 64: Linux's select ignores fds past the size of
	 * the process's fd table (64 until more are open), so fd 99 would
	 * report EBADF or nothing depending on how the host ran us. */
	int closed = dup(1);
	close(closed);
	errno = 0;
	FD_ZERO(&rd);
	FD_SET(closed, &rd);
	tv = (struct timeval){ 0, 1000 };
	r = select(closed + 1, &rd, 0, 0, &tv);
	int e = errno;
	printf("select on a closed fd: %d %s\n", r, errname(e));

	close(cmd[1]);
	int status;
	waitpid(pid, &status, 0);
	printf("worker exited %d\n", WEXITSTATUS(status));
	return 0;
}
