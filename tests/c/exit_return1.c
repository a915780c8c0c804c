/* Returning 1 from main is exit(1): buffered stdout and stderr are both written, atexit handlers run. */
#include <stdio.h>
#include <stdlib.h>

static void handler(void) { fputs("handler writes to stderr\n", stderr); }

int main(void)
{
	atexit(handler);
	setvbuf(stdout, NULL, _IOFBF, 1 << 16);
	for (int i = 0; i < 100; i++)
		printf("buffered line %d\n", i);
	fprintf(stderr, "error output before return\n");
	return 1;
}
