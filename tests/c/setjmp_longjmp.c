/* setjmp/longjmp across frames, values kept in volatile locals, and a
 * longjmp out of a nested call chain. */
#include <stdio.h>
#include <setjmp.h>

static jmp_buf env;
static int depth_reached;

static void dive(int depth)
{
	depth_reached = depth;
	if (depth == 50)
		longjmp(env, depth);
	dive(depth + 1);
}

int main(void)
{
	volatile int count = 0;
	int r = setjmp(env);
	count++;
	printf("setjmp returned %d (count %d)\n", r, count);
	if (r == 0)
		dive(1);
	else if (r == 50)
		longjmp(env, 0);
	jmp_buf again;
	if (setjmp(again) == 0) {
		printf("first pass\n");
		longjmp(again, 0);
	}
	printf("longjmp with 0 arrives as 1; depth %d\n", depth_reached);
	sigjmp_buf s;
	volatile int k = 0;
	if (sigsetjmp(s, 1) < 3) {
		k++;
		siglongjmp(s, k);
	}
	printf("sigsetjmp loops %d\n", k);
	return 0;
}
