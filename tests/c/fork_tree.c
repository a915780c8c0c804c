/* A tree of processes: each of 3 children forks 2 grandchildren; every
 * process exits with a status made from its place in the tree; parents
 * collect their children's statuses and pass the sum up. Output is
 * printed only by the root, after the tree is done. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static int spawn(int depth, int index)
{
	fflush(stdout);
	pid_t p = fork();
	if (p == 0) {
		int sum = index;
		if (depth < 2) {
			pid_t kids[2];
			for (int i = 0; i < 2; i++)
				kids[i] = spawn(depth + 1, index * 10 + i + 1);
			for (int i = 0; i < 2; i++) {
				int status;
				waitpid(kids[i], &status, 0);
				sum += WEXITSTATUS(status);
			}
		}
		_exit(sum & 0xff);
	}
	return p;
}

int main(void)
{
	pid_t kids[3];
	for (int i = 0; i < 3; i++)
		kids[i] = spawn(1, i + 1);
	int total = 0;
	for (int i = 2; i >= 0; i--) {
		int status;
		pid_t got = waitpid(kids[i], &status, 0);
		printf("child %d: reaped %d, exited %d with %d\n", i + 1, got == kids[i], WIFEXITED(status),
		       WEXITSTATUS(status));
		total += WEXITSTATUS(status);
	}
	printf("total %d\n", total);
	return 0;
}
