/* The program the fork+exec+wait row of bench/programs/posix_bench.c
 * execs: static, prints one line (to /dev/null there) and exits 0. */
#include <stdio.h>

int main(void)
{
	printf("hello\n");
	return 0;
}
