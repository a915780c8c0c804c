/* The smallest program: output on both streams, arguments, exit status. */
#include <stdio.h>

int main(int argc, char **argv)
{
	printf("hello, world\n");
	for (int i = 2; i < argc; i++)
		printf("argv[%d] = \"%s\"\n", i, argv[i]);
	fprintf(stderr, "a line on stderr\n");
	return 7;
}
