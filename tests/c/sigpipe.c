/* Writing to a pipe with no reader delivers SIGPIPE, whose default action
 * ends the process (status 141 from a shell); what was printed before is
 * not lost. */
#include <stdio.h>
#include <unistd.h>

int main(void)
{
	int fds[2];
	pipe(fds);
	close(fds[0]);
	printf("writing to a pipe without a reader\n");
	fflush(stdout);
	write(fds[1], "x", 1);
	printf("not reached\n");
	return 0;
}
