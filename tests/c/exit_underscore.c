/* _exit skips atexit handlers and does not flush stdio buffers: only what was written with write() or flushed appears; status 3. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static void never(void) { printf("atexit handler must not run\n"); }

int main(void)
{
	atexit(never);
	printf("flushed line\n");
	fflush(stdout);
	printf("this stays in the buffer");
	write(1, "written directly\n", 17);
	fputs("stderr is unbuffered\n", stderr);
	_exit(3);
}
