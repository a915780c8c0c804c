/* Atomic pipe writes: four children write 4096-byte records (PIPE_BUF)
 * into one pipe at the same time, each record filled with its writer's
 * letter and sequence number; the parent reads the stream and checks that
 * every record arrived whole (no write of PIPE_BUF bytes or less is split
 * or interleaved with another), that each writer's records came in its
 * order, and that nothing was lost. A 100000-byte write, larger than
 * PIPE_BUF and than the pipe, still arrives completely. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define WRITERS 4
#define RECORDS 24
#define SIZE PIPE_BUF

static ssize_t read_full(int fd, char *buf, size_t n)
{
	size_t got = 0;
	while (got < n) {
		ssize_t r = read(fd, buf + got, n - got);
		if (r <= 0)
			break;
		got += r;
	}
	return got;
}

int main(void)
{
	setvbuf(stdout, 0, _IOLBF, 0);
	printf("PIPE_BUF %d\n", PIPE_BUF);
	int p[2];
	pipe(p);
	pid_t kids[WRITERS];
	for (int w = 0; w < WRITERS; w++) {
		kids[w] = fork();
		if (kids[w] == 0) {
			close(p[0]);
			static char rec[SIZE];
			for (int i = 0; i < RECORDS; i++) {
				memset(rec, 'A' + w, SIZE);
				rec[0] = (char)i;
				rec[SIZE - 1] = (char)i;
				if (write(p[1], rec, SIZE) != SIZE)
					_exit(1);
			}
			_exit(0);
		}
	}
	close(p[1]);
	static char rec[SIZE];
	int next[WRITERS] = { 0 }, whole = 0, torn = 0, out_of_order = 0;
	ssize_t n;
	while ((n = read_full(p[0], rec, SIZE)) == SIZE) {
		int w = rec[1] - 'A';
		int ok = w >= 0 && w < WRITERS && rec[SIZE - 1] == rec[0];
		for (int i = 1; ok && i < SIZE - 1; i++)
			ok = rec[i] == 'A' + w;
		if (!ok) {
			torn++;
			continue;
		}
		whole++;
		if (rec[0] != next[w])
			out_of_order++;
		next[w] = rec[0] + 1;
	}
	printf("records whole %d, torn %d, out of order %d, leftover bytes %zd\n", whole, torn, out_of_order, n);
	for (int w = 0; w < WRITERS; w++) {
		int status;
		waitpid(kids[w], &status, 0);
		printf("writer %c: %d records, exited %d\n", 'A' + w, next[w], WEXITSTATUS(status));
	}
	close(p[0]);

	/* One big write through a pipe smaller than it. */
	pipe(p);
	pid_t pid = fork();
	if (pid == 0) {
		close(p[0]);
		static char big[100000];
		for (size_t i = 0; i < sizeof big; i++)
			big[i] = (char)(i * 7);
		ssize_t r = write(p[1], big, sizeof big);
		_exit(r == (ssize_t)sizeof big ? 0 : 1);
	}
	close(p[1]);
	static char big[100001];
	n = read_full(p[0], big, sizeof big);
	int same = 1;
	for (ssize_t i = 0; i < n; i++)
		same &= big[i] == (char)(i * 7);
	int status;
	waitpid(pid, &status, 0);
	printf("big write: read %zd bytes, content right %d, writer exited %d\n", n, same, WEXITSTATUS(status));
	return 0;
}
