/* stdio streams: tmpfile, fdopen, fileno, freopen, fmemopen, open_memstream, "a+" mode positions. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <fcntl.h>

int main(int argc, char **argv)
{
	if (argc < 2 || chdir(argv[1]) != 0)
		return 1;
	char buf[128];
	FILE *t = tmpfile();
	printf("tmpfile %s\n", t ? "ok" : "failed");
	if (t) {
		fprintf(t, "temporary %d\n", 123);
		rewind(t);
		fgets(buf, sizeof buf, t);
		printf("tmpfile read: %s", buf);
		fclose(t);
	}
	printf("fileno stdin %d stdout %d stderr %d\n", fileno(stdin), fileno(stdout), fileno(stderr));
	int fd = open("fd.txt", O_CREAT | O_RDWR | O_TRUNC, 0644);
	FILE *f = fdopen(fd, "w+");
	printf("fdopen %s, fileno matches %d\n", f ? "ok" : "failed", fileno(f) == fd);
	fputs("through fdopen\n", f);
	fflush(f);
	printf("lseek of fd after fflush %ld\n", (long)lseek(fd, 0, SEEK_CUR));
	fclose(f);
	printf("fd closed with stream: %d\n", write(fd, "x", 1) < 0);

	f = fopen("fd.txt", "a+");
	printf("a+ initial ftell %ld\n", ftell(f));
	fgets(buf, sizeof buf, f);
	printf("a+ reads from start: %s", buf);
	fputs("appended\n", f);
	rewind(f);
	int lines = 0;
	while (fgets(buf, sizeof buf, f))
		lines++;
	printf("a+ lines %d last %s", lines, buf);
	fclose(f);

	f = fopen("re.txt", "w");
	fputs("first\n", f);
	f = freopen("re.txt", "r", f);
	printf("freopen %s: ", f ? "ok" : "failed");
	fgets(buf, sizeof buf, f);
	printf("%s", buf);
	fclose(f);

	char mem[32] = "0123456789";
	f = fmemopen(mem, sizeof mem, "r+");
	fseek(f, 3, SEEK_SET);
	fputs("abc", f);
	fflush(f);
	fseek(f, 0, SEEK_SET);
	fgets(buf, sizeof buf, f);
	printf("fmemopen: [%s]\n", buf);
	fclose(f);

	char *ms = NULL;
	size_t mlen = 0;
	f = open_memstream(&ms, &mlen);
	for (int i = 0; i < 100; i++)
		fprintf(f, "%d,", i);
	fflush(f);
	printf("open_memstream len %zu ", mlen);
	fprintf(f, "end");
	fclose(f);
	printf("final len %zu tail [%s]\n", mlen, ms + mlen - 8);
	free(ms);

	f = fopen("/nonexistent/dir/file", "r");
	printf("fopen missing: %s\n", f ? "opened?" : "NULL");
	f = fopen("fd.txt", "rx");
	printf("fopen with x in mode: %s\n", f ? "opened" : "NULL");
	if (f)
		fclose(f);
	unlink("fd.txt");
	unlink("re.txt");
	return 0;
}
