/* A wild pointer kills only this process, with SIGSEGV's status (139
 * from a shell); what was printed before it is not lost. */
#include <stdio.h>
#include <stdint.h>

int main(int argc, char **argv)
{
	(void)argv;
	printf("before the fault\n");
	fflush(stdout);
	volatile int *p = (int *)(uintptr_t)(argc > 100 ? 0x1000 : 0x10);
	*p = 1;
	printf("not reached\n");
	return 0;
}
