/* ungetc limits and effects (one pushback guaranteed, EOF not pushable, clears EOF, file position), line-buffered vs fully buffered flush points seen through a second descriptor, perror messages for common errnos. */
#include <stdio.h>
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

static long on_disk(const char *path)
{
	int fd = open(path, O_RDONLY);
	long n = lseek(fd, 0, SEEK_END);
	close(fd);
	return n;
}

int main(int argc, char **argv)
{
	if (argc < 2 || chdir(argv[1]) != 0)
		return 1;
	FILE *f = fopen("u.txt", "w+");
	fputs("abcdef", f);
	rewind(f);
	printf("getc %c\n", getc(f));
	printf("ftell %ld\n", ftell(f));
	printf("ungetc returns %c\n", ungetc('X', f));
	printf("ftell after ungetc %ld\n", ftell(f));
	int c1 = getc(f), c2 = getc(f);
	printf("read back %c then %c\n", c1, c2);
	printf("ungetc(EOF) %d\n", ungetc(EOF, f) == EOF);
	while (getc(f) != EOF)
		;
	printf("at eof %d\n", feof(f));
	ungetc('Z', f);
	int cleared = feof(f) == 0;
	c1 = getc(f);
	c2 = getc(f);
	printf("ungetc clears eof %d, gives %c, then eof again %d\n", cleared, c1, c2 == EOF);
	rewind(f);
	getc(f);
	ungetc('Q', f);
	fseek(f, 0, SEEK_CUR);
	printf("fseek discards pushback: %c\n", getc(f));
	fclose(f);
	char buf[64];
	f = fmemopen("12 34", 5, "r");
	int a;
	fscanf(f, "%d", &a);
	ungetc('9', f);
	fscanf(f, "%d", &a);
	printf("scanf sees pushback: %d\n", a);
	fclose(f);

	/* Flush points: line-buffered flushes at newline, full buffering only when full or flushed. */
	f = fopen("lb.txt", "w");
	setvbuf(f, buf, _IOLBF, sizeof buf);
	/* Before the newline glibc and musl may differ (transmission of a
	 * partial line is not fixed); after it, the line must be out. */
	fputs("partial", f);
	fputs(" line\n", f);
	printf("after newline: %ld\n", on_disk("lb.txt"));
	fclose(f);
	static char big[4096];
	f = fopen("fb.txt", "w");
	setvbuf(f, big, _IOFBF, sizeof big);
	for (int i = 0; i < 10; i++)
		fputs("line\n", f);
	printf("full buffered, 50 bytes written: %ld on disk\n", on_disk("fb.txt"));
	fflush(f);
	printf("after fflush: %ld\n", on_disk("fb.txt"));
	fclose(f);
	f = fopen("nb.txt", "w");
	setvbuf(f, NULL, _IONBF, 0);
	fputc('x', f);
	printf("unbuffered: %ld\n", on_disk("nb.txt"));
	fclose(f);
	unlink("u.txt");
	unlink("lb.txt");
	unlink("fb.txt");
	unlink("nb.txt");

	fflush(stdout);
	/* Only errnos whose messages glibc and musl spell alike (ENOMEM and
	 * ERANGE, for example, are worded differently). */
	const int errs[] = { ENOENT, EBADF, EEXIST, ENOTDIR, EISDIR, EINVAL, ENOTEMPTY, EACCES, EAGAIN, ENOSYS };
	for (unsigned i = 0; i < sizeof errs / sizeof *errs; i++) {
		errno = errs[i];
		perror("perror");
	}
	errno = ENOENT;
	perror(NULL);
	errno = ENOENT;
	perror("");
	errno = 0;
	open("/no/such/file", O_RDONLY);
	perror("open");
	return 0;
}
