/* A two-stage pipeline built as a shell builds one: fork twice, connect
 * the children with a pipe through dup2, exec this program in two roles
 * ("gen" writes numbered lines, "count" counts lines and sums the
 * numbers), close the parent's ends, wait for both. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static int gen(int n)
{
	for (int i = 1; i <= n; i++)
		printf("line %d\n", i);
	return 0;
}

static int count(void)
{
	char line[64];
	long lines = 0, sum = 0;
	while (fgets(line, sizeof line, stdin)) {
		lines++;
		sum += atol(line + 5);
	}
	printf("count: %ld lines, numbers sum to %ld\n", lines, sum);
	return lines == 5000 ? 0 : 1;
}

int main(int argc, char **argv)
{
	if (argc > 2 && !strcmp(argv[2], "gen"))
		return gen(5000);
	if (argc > 2 && !strcmp(argv[2], "count"))
		return count();
	int fds[2];
	pipe(fds);
	fflush(stdout);
	pid_t a = fork();
	if (a == 0) {
		dup2(fds[1], 1);
		close(fds[0]);
		close(fds[1]);
		char *args[] = { argv[0], argv[1], "gen", NULL };
		execvp(argv[0], args);
		_exit(127);
	}
	pid_t b = fork();
	if (b == 0) {
		dup2(fds[0], 0);
		close(fds[0]);
		close(fds[1]);
		char *args[] = { argv[0], argv[1], "count", NULL };
		execvp(argv[0], args);
		_exit(127);
	}
	close(fds[0]);
	close(fds[1]);
	int sa, sb;
	waitpid(a, &sa, 0);
	waitpid(b, &sb, 0);
	printf("gen exited %d, count exited %d\n", WEXITSTATUS(sa), WEXITSTATUS(sb));
	return 0;
}
