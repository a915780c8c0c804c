/* exit(255) from a nested function: the status is 255, atexit handlers and stdio flushing still happen. */
#include <stdio.h>
#include <stdlib.h>

static void bye(void) { printf("atexit ran\n"); }
static void deep(int n)
{
	if (n == 0) {
		printf("exiting from depth 10");
		exit(255);
	}
	deep(n - 1);
}

int main(void)
{
	atexit(bye);
	deep(10);
	return 0;
}
