/* Pipelines of three and four stages, built as a shell builds them: one
 * pipe between each pair of neighbours, fork per stage, dup2 onto 0 and 1,
 * every other pipe end closed, exec of this program (argv[0] through PATH)
 * in a role: "gen N" prints 1..N, "filter K" keeps the numbers divisible
 * by K, "square" squares them, "sum" prints the count and the total. The
 * parent waits for every stage; each stage's status tells whether it saw
 * what it expected. A stage that fails to exec would exit 127. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static int role(int argc, char **argv)
{
	const char *r = argv[2];
	char line[64];
	if (!strcmp(r, "gen")) {
		int n = atoi(argv[3]);
		for (int i = 1; i <= n; i++)
			printf("%d\n", i);
		return 0;
	}
	if (!strcmp(r, "filter")) {
		long k = atol(argv[3]), in = 0;
		while (fgets(line, sizeof line, stdin)) {
			in++;
			if (atol(line) % k == 0)
				fputs(line, stdout);
		}
		return in > 0 ? 0 : 3;
	}
	if (!strcmp(r, "square")) {
		while (fgets(line, sizeof line, stdin)) {
			long v = atol(line);
			printf("%ld\n", v * v);
		}
		return 0;
	}
	if (!strcmp(r, "sum")) {
		long count = 0, total = 0;
		while (fgets(line, sizeof line, stdin)) {
			count++;
			total += atol(line);
		}
		/* stderr is shared by every stage: only the last one writes. */
		fprintf(stderr, "sum: %ld numbers\n", count);
		printf("sum: %ld numbers, total %ld\n", count, total);
		return count > 0 ? 0 : 4;
	}
	(void)argc;
	return 2;
}

/* Runs the stages (each a NULL-terminated word list after argv[0],
 * argv[1]); the last stage writes to out. Returns nothing; prints
 * the statuses. */
static void run(char **argv, char *stages[][3], int n, int out)
{
	pid_t pids[8];
	int prev = -1;
	fflush(stdout);
	for (int i = 0; i < n; i++) {
		int p[2] = { -1, -1 };
		if (i < n - 1)
			pipe(p);
		pids[i] = fork();
		if (pids[i] == 0) {
			if (prev >= 0) {
				dup2(prev, 0);
				close(prev);
			}
			if (i < n - 1) {
				dup2(p[1], 1);
				close(p[0]);
				close(p[1]);
			} else {
				dup2(out, 1);
			}
			if (out != 1)
				close(out);
			char *args[6] = { argv[0], argv[1], stages[i][0], stages[i][1], NULL };
			execvp(argv[0], args);
			_exit(127);
		}
		if (prev >= 0)
			close(prev);
		if (i < n - 1) {
			close(p[1]);
			prev = p[0];
		}
	}
	printf("stages:");
	for (int i = 0; i < n; i++) {
		int status;
		waitpid(pids[i], &status, 0);
		printf(" %s=%d", stages[i][0], WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status));
	}
	printf("\n");
}

int main(int argc, char **argv)
{
	if (argc > 2)
		return role(argc, argv);
	setvbuf(stdout, 0, _IOLBF, 0);
	char *three[][3] = { { "gen", "300" }, { "filter", "3" }, { "sum", 0 } };
	run(argv, three, 3, 1);
	char *four[][3] = { { "gen", "1000" }, { "filter", "7" }, { "square", 0 }, { "sum", 0 } };
	run(argv, four, 4, 1);
	/* Five stages into a pipe the parent reads. */
	int p[2];
	pipe(p);
	char *five[][3] = { { "gen", "2000" }, { "filter", "2" }, { "filter", "5" }, { "square", 0 }, { "sum", 0 } };
	run(argv, five, 5, p[1]);
	close(p[1]);
	char buf[128] = "";
	ssize_t n, total = 0;
	while ((n = read(p[0], buf + total, sizeof buf - 1 - total)) > 0)
		total += n;
	printf("read back from the last stage: %s", buf);
	long check = 0;
	for (long i = 10; i <= 2000; i += 10)
		check += i * i;
	printf("computed here: total %ld\n", check);
	return 0;
}
