/* Many exit statuses through wait: twelve children exit with codes that
 * cover the byte (0, 1, 2, 42, 100, 126, 127, 128, 129, 200, 254, 255)
 * and exit(256 + n) keeps only the low byte; they are reaped with
 * wait(-1) in whatever order they end and matched to their index by pid;
 * a returned value from main and exit() after atexit handlers give the
 * same status as _exit. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "proc.h"


static const int codes[] = { 0, 1, 2, 42, 100, 126, 127, 128, 129, 200, 254, 255 };
#define N (int)(sizeof codes / sizeof codes[0])

static void bye(void)
{
	printf("atexit handler in the child ran\n");
}

int main(void)
{
	setvbuf(stdout, 0, _IOLBF, 0);
	pid_t kids[N];
	for (int i = 0; i < N; i++) {
		kids[i] = fork();
		if (kids[i] == 0)
			_exit(codes[i]);
		if (kids[i] < 0) {
			printf("fork %d failed\n", i);
			return 1;
		}
	}
	int got[N], seen[N];
	memset(seen, 0, sizeof seen);
	for (int n = 0; n < N; n++) {
		int status;
		pid_t w = wait(&status);
		int i;
		for (i = 0; i < N; i++)
			if (kids[i] == w)
				break;
		if (i == N) {
			printf("wait returned an unknown pid\n");
			continue;
		}
		seen[i]++;
		got[i] = WIFEXITED(status) ? WEXITSTATUS(status) : -1000 - status;
	}
	for (int i = 0; i < N; i++)
		printf("child %2d: reaped %d time(s), exit status %d\n", i, seen[i], seen[i] ? got[i] : -1);
	int status;
	errno = 0;
	pid_t w = wait(&status);
	int e = errno;
	printf("one more wait: %d %s\n", (int)w, errname(e));

	/* exit() keeps the low byte of its argument. */
	int wide[] = { 256, 257, 511, -1, -2 };
	for (int i = 0; i < 5; i++) {
		pid_t p = fork();
		if (p == 0)
			exit(wide[i]);
		waitpid(p, &status, 0);
		printf("exit(%d) -> exited %d, status %d\n", wide[i], WIFEXITED(status), WEXITSTATUS(status));
	}

	/* exit() runs atexit handlers and flushes stdio; _exit does neither. */
	int fds[2];
	pipe(fds);
	pid_t p = fork();
	if (p == 0) {
		close(fds[0]);
		dup2(fds[1], 1);
		setvbuf(stdout, 0, _IOFBF, 0);
		atexit(bye);
		printf("buffered line from the child\n");
		exit(9);
	}
	close(fds[1]);
	char buf[256];
	ssize_t n, total = 0;
	while ((n = read(fds[0], buf + total, sizeof buf - 1 - total)) > 0)
		total += n;
	buf[total] = 0;
	close(fds[0]);
	waitpid(p, &status, 0);
	printf("exit(9): status %d, the child wrote:\n%s", WEXITSTATUS(status), buf);

	pipe(fds);
	p = fork();
	if (p == 0) {
		close(fds[0]);
		dup2(fds[1], 1);
		setvbuf(stdout, 0, _IOFBF, 0);
		atexit(bye);
		printf("this line stays in the buffer\n");
		_exit(10);
	}
	close(fds[1]);
	total = 0;
	while ((n = read(fds[0], buf + total, sizeof buf - 1 - total)) > 0)
		total += n;
	close(fds[0]);
	waitpid(p, &status, 0);
	printf("_exit(10): status %d, the child wrote %zd bytes\n", WEXITSTATUS(status), total);
	return 0;
}
