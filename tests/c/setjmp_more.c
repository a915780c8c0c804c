/* setjmp/longjmp variations: values 0 -> 1, volatile locals kept, jumps out of deep recursion, sigsetjmp/siglongjmp restoring the signal mask, a jmp_buf per level. */
#include <stdio.h>
#include <setjmp.h>
#include <signal.h>

static jmp_buf env;
static sigjmp_buf senv;
static int depth_reached;

static void dive(int depth)
{
	char pad[256];
	pad[depth % 256] = (char)depth;
	depth_reached = depth + pad[depth % 256] * 0;
	if (depth == 500)
		longjmp(env, depth);
	dive(depth + 1);
}

static jmp_buf levels[5];

static void nested(int k)
{
	if (setjmp(levels[k]) == 0) {
		if (k < 4)
			nested(k + 1);
		else
			longjmp(levels[2], 1);
		printf("level %d: inner returned normally\n", k);
	} else {
		printf("level %d: landed\n", k);
	}
}

int main(void)
{
	volatile int counter = 0;
	int r = setjmp(env);
	printf("setjmp returned %d, counter %d\n", r, counter);
	if (counter < 3) {
		counter++;
		longjmp(env, counter * 10);
	}
	r = setjmp(env);
	if (r == 0)
		longjmp(env, 0);
	printf("longjmp(0) delivers %d\n", r);
	r = setjmp(env);
	if (r == 0)
		dive(0);
	printf("out of recursion: %d, depth %d\n", r, depth_reached);
	nested(0);

	sigset_t set, cur;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	r = sigsetjmp(senv, 1);
	sigprocmask(SIG_SETMASK, NULL, &cur);
	printf("sigsetjmp %d, SIGUSR1 blocked %d\n", r, sigismember(&cur, SIGUSR1));
	if (r == 0) {
		sigprocmask(SIG_BLOCK, &set, NULL);
		siglongjmp(senv, 7);
	}
	sigprocmask(SIG_BLOCK, &set, NULL);
	r = sigsetjmp(senv, 0);
	sigprocmask(SIG_SETMASK, NULL, &cur);
	printf("sigsetjmp(0) %d, SIGUSR1 blocked %d\n", r, sigismember(&cur, SIGUSR1));
	if (r == 0) {
		sigprocmask(SIG_UNBLOCK, &set, NULL);
		siglongjmp(senv, 8);
	}
	return 0;
}
