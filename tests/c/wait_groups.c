/* wait4 by process group: waitpid(-pgid) waits only for children of that
 * group (also ones that moved there themselves), waitpid(0) for children
 * of the caller's group; ECHILD once none of the group is left, while
 * children of other groups remain. */
#include <errno.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

static pid_t child(int code, pid_t group, int go)
{
	pid_t pid = fork();
	if (pid == 0) {
		if (group >= 0)
			setpgid(0, group);
		char c;
		read(go, &c, 1);
		_exit(code);
	}
	if (group >= 0)
		setpgid(pid, group == 0 ? pid : group);
	return pid;
}

int main(void)
{
	setvbuf(stdout, 0, _IOLBF, 0);
	int go[2];
	pipe(go);
	pid_t a = child(11, 0, go[0]);
	pid_t b = child(22, -1, go[0]);
	pid_t c = child(33, a, go[0]);
	printf("a leads a group: %d, c joined it: %d, b in ours: %d\n", getpgid(a) == a, getpgid(c) == a,
	       getpgid(b) == getpgrp());
	write(go[1], "xxx", 3);
	int status, sum = 0, got_a = 0, got_c = 0, other = 0;
	for (int i = 0; i < 2; i++) {
		pid_t w = waitpid(-a, &status, 0);
		got_a += w == a;
		got_c += w == c;
		other += w != a && w != c;
		sum += WEXITSTATUS(status);
	}
	printf("waitpid(-a) twice: a %d, c %d, others %d; codes add up to %d\n", got_a, got_c, other, sum);
	errno = 0;
	pid_t w = waitpid(-a, &status, 0);
	printf("waitpid(-a) again: %d, ECHILD %d\n", (int)w, errno == ECHILD);
	w = waitpid(0, &status, 0);
	printf("waitpid(0) got %s, code %d\n", w == b ? "b" : "?", WEXITSTATUS(status));
	errno = 0;
	w = waitpid(0, &status, 0);
	printf("waitpid(0) again: %d, ECHILD %d\n", (int)w, errno == ECHILD);
	return 0;
}
