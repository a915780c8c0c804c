/* Exit paths: atexit handlers run in reverse order, output flushed by
 * exit, the status as given. */
#include <stdio.h>
#include <stdlib.h>

static void first(void) { printf("atexit first registered, runs last\n"); }
static void second(void) { printf("atexit second registered, runs first\n"); }

int main(int argc, char **argv)
{
	atexit(first);
	atexit(second);
	printf("buffered line without newline");
	(void)argc;
	(void)argv;
	exit(42);
}
