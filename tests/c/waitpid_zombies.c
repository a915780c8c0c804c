/* Zombies and waitpid(-1, WNOHANG) loops: of six children, the odd ones
 * end first (the parent knows they have ended when their pipe reaches
 * EOF); a WNOHANG loop reaps exactly those, then returns 0 while the
 * even ones still run; waitpid(pid, WNOHANG) of a running child is 0;
 * a reaped child is gone for kill(pid, 0) (ESRCH; a zombie's kill(pid, 0)
 * is in gaps/sigchld_ignore.c) and is ECHILD for waitpid; the even ones are then
 * released one at a time, newest first, and each wait(-1) returns the
 * one just released; with no children WNOHANG is -1 ECHILD, not 0. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "proc.h"


#define N 6

static pid_t kids[N];
static int go[N], alive[N];

static int index_of(pid_t p)
{
	for (int i = 0; i < N; i++)
		if (kids[i] == p)
			return i;
	return -1;
}

/* Waits until child i has ended: its end of the alive pipe closes. */
static void await_end(int i)
{
	char c;
	while (read(alive[i], &c, 1) > 0)
		;
	close(alive[i]);
	/* The pipe closes as the process ends; give the exit a moment to
	 * complete (WNOHANG below must see a zombie). */
	usleep(250 * 1000);
}

int main(void)
{
	setvbuf(stdout, 0, _IOLBF, 0);
	for (int i = 0; i < N; i++) {
		int g[2], a[2];
		pipe(g);
		pipe(a);
		kids[i] = fork();
		if (kids[i] == 0) {
			close(g[1]);
			close(a[0]);
			/* Earlier children's words are not ours to hold. */
			for (int j = 0; j < i; j++) {
				close(go[j]);
				close(alive[j]);
			}
			char c;
			read(g[0], &c, 1);
			_exit(20 + i);
		}
		close(g[0]);
		close(a[1]);
		go[i] = g[1];
		alive[i] = a[0];
	}
	/* The odd ones end. */
	for (int i = 1; i < N; i += 2) {
		close(go[i]);
		await_end(i);
	}
	printf("waitpid(running child, WNOHANG): %d\n", (int)waitpid(kids[0], 0, WNOHANG));
	int found[N] = { 0 }, rounds = 0;
	pid_t w;
	int status;
	while ((w = waitpid(-1, &status, WNOHANG)) > 0) {
		int i = index_of(w);
		rounds++;
		if (i >= 0)
			found[i] = WEXITSTATUS(status);
	}
	printf("WNOHANG loop: %d reaped, then %d:", rounds, (int)w);
	for (int i = 0; i < N; i++)
		printf(" %d", found[i]);
	printf("\n");
	errno = 0;
	int k = kill(kids[1], 0);
	int e = errno;
	printf("kill(reaped, 0): %d %s\n", k, errname(e));
	errno = 0;
	w = waitpid(kids[3], &status, 0);
	e = errno;
	printf("waitpid(reaped): %d %s\n", (int)w, errname(e));

	/* The even ones, newest first; each wait returns the one released. */
	for (int i = N - 2; i >= 0; i -= 2) {
		close(go[i]);
		w = wait(&status);
		printf("released %d: wait returned %d, status %d\n", i, index_of(w), WEXITSTATUS(status));
		close(alive[i]);
	}
	errno = 0;
	w = waitpid(-1, &status, WNOHANG);
	e = errno;
	printf("no children, WNOHANG: %d %s\n", (int)w, errname(e));
	return 0;
}
