/* A fork bomb in which every process forks until it is refused (not one
 * parent's loop, as fork_limits.c: each child bombs too): the quotas end
 * it (every refusal is EAGAIN, the memory carved from the parent's and
 * the children limit), the system stays up, and kill(-1, SIGKILL) from
 * the root ends the whole tree (every process of it is in the root's
 * process group, and orphans are handed to the root) while the root's
 * own children are reaped as killed.
 * Twice in a row: the second bomb reaches as many processes as the first
 * (everything was given back), and a plain fork works after each.
 * capOS only (not run on the host); checks itself and exits 0 when every
 * check holds. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static int report[2];

/* Forks until refused; every child does the same, then says so on the
 * report pipe ('+' after EAGAIN, 'x' after another error) and waits. */
static int bomb(pid_t *kids, int max)
{
	int n = 0;
	for (;;) {
		pid_t p = fork();
		if (p == 0) {
			bomb(0, 0);
			for (;;)
				pause();
		}
		if (p < 0) {
			char c = errno == EAGAIN ? '+' : 'x';
			write(report[1], &c, 1);
			return n;
		}
		if (kids && n < max)
			kids[n] = p;
		n++;
	}
}

/* One bomb: returns how many processes reported, -1 on a failed check. */
static int round_of(int round)
{
	static pid_t kids[256];
	pipe(report);
	fflush(stdout);
	int direct = bomb(kids, 256);
	/* Count the reports until none comes for three seconds. */
	int reports = 0, others = 0;
	struct pollfd pf = { report[0], POLLIN, 0 };
	while (poll(&pf, 1, 3000) > 0) {
		char buf[64];
		ssize_t n = read(report[0], buf, sizeof buf);
		if (n <= 0)
			break;
		for (ssize_t i = 0; i < n; i++) {
			reports++;
			others += buf[i] != '+';
		}
	}
	int failures = 0;
	printf("%s round %d: the root forked %d children, %d processes ended their loops, %d not with EAGAIN\n",
	       others == 0 && direct >= 4 ? "ok  " : "FAIL", round, direct, reports, others);
	failures += others != 0 || direct < 4;
	printf("%s round %d: more processes than the root's children (the children bombed too)\n",
	       reports > direct + 1 ? "ok  " : "FAIL", round);
	failures += reports <= direct + 1;
	int killed = kill(-1, SIGKILL);
	printf("%s round %d: kill(-1, SIGKILL) %d\n", killed == 0 ? "ok  " : "FAIL", round, killed);
	failures += killed != 0;
	int reaped = 0, status;
	while (wait(&status) > 0)
		reaped += WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;
	printf("%s round %d: every child of the root reaped as killed (%d of %d)\n", reaped == direct ? "ok  " : "FAIL",
	       round, reaped, direct);
	failures += reaped != direct;
	close(report[0]);
	close(report[1]);
	/* The tree is gone: a plain fork works. */
	fflush(stdout);
	pid_t p = fork();
	if (p == 0)
		_exit(9);
	int ok = p > 0 && waitpid(p, &status, 0) == p && WIFEXITED(status) && WEXITSTATUS(status) == 9;
	printf("%s round %d: a fork after the tree is gone\n", ok ? "ok  " : "FAIL", round);
	failures += !ok;
	return failures ? -1 : reports;
}

int main(void)
{
	setvbuf(stdout, 0, _IOLBF, 0);
	int first = round_of(1);
	/* Killed processes give their memory back as they end. */
	usleep(500 * 1000);
	int second = round_of(2);
	int same = first > 0 && second >= first - first / 10;
	printf("%s the second bomb reached as many processes as the first (%d, %d)\n", same ? "ok  " : "FAIL", first,
	       second);
	return first < 0 || second < 0 || !same;
}
