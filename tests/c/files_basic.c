/* Files: create, write, read, seek, truncate, append, O_EXCL, stat sizes,
 * rename and unlink, all in the scratch directory (argv[1]). */
#include <stdio.h>
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/stat.h>

static void check(const char *what, long r)
{
	printf("%s: %ld", what, r);
	if (r < 0)
		printf(" (%s)", strerror(errno));
	printf("\n");
}

int main(int argc, char **argv)
{
	if (argc < 2 || chdir(argv[1]) != 0) {
		perror("chdir");
		return 1;
	}
	char buf[256];
	int fd = open("a.txt", O_CREAT | O_WRONLY | O_TRUNC, 0644);
	check("open a.txt", fd >= 0);
	check("write", write(fd, "hello, file\n", 12));
	check("write more", write(fd, "second line\n", 12));
	check("lseek cur", lseek(fd, 0, SEEK_CUR));
	check("lseek 6", lseek(fd, 6, SEEK_SET));
	check("overwrite", write(fd, "FILE", 4));
	check("close", close(fd));
	fd = open("a.txt", O_RDONLY);
	memset(buf, 0, sizeof buf);
	check("read", read(fd, buf, sizeof buf - 1));
	printf("content: %s", buf);
	check("read at end", read(fd, buf, sizeof buf));
	check("lseek end", lseek(fd, 0, SEEK_END));
	check("lseek -5 end", lseek(fd, -5, SEEK_END));
	memset(buf, 0, sizeof buf);
	check("read tail", read(fd, buf, 100));
	printf("tail: %s", buf);
	check("lseek negative", lseek(fd, -100, SEEK_SET));
	check("write on read-only fd", write(fd, "x", 1));
	close(fd);

	fd = open("a.txt", O_WRONLY | O_APPEND);
	check("append", write(fd, "third\n", 6));
	close(fd);
	struct stat st;
	check("stat", stat("a.txt", &st));
	printf("size %lld regular %d dir %d\n", (long long)st.st_size, S_ISREG(st.st_mode), S_ISDIR(st.st_mode));
	check("truncate 5", truncate("a.txt", 5));
	stat("a.txt", &st);
	printf("size after truncate %lld\n", (long long)st.st_size);
	fd = open("a.txt", O_RDWR);
	check("ftruncate 100", ftruncate(fd, 100));
	fstat(fd, &st);
	printf("size after ftruncate %lld\n", (long long)st.st_size);
	check("pread", pread(fd, buf, 10, 0));
	printf("pread bytes: %d %d %d %d %d %d\n", buf[0], buf[4], buf[5], buf[6], buf[9], buf[3]);
	check("pwrite", pwrite(fd, "ZZ", 2, 50));
	check("pread 2", pread(fd, buf, 3, 49));
	printf("around 50: %d %c %c\n", buf[0], buf[1], buf[2]);
	close(fd);

	check("O_EXCL on existing", open("a.txt", O_CREAT | O_EXCL | O_WRONLY, 0644));
	fd = open("b.txt", O_CREAT | O_EXCL | O_WRONLY, 0644);
	check("O_EXCL new", fd >= 0);
	close(fd);
	check("rename", rename("b.txt", "c.txt"));
	check("open renamed-away", open("b.txt", O_RDONLY));
	check("access c.txt", access("c.txt", F_OK));
	check("unlink", unlink("c.txt"));
	check("unlink again", unlink("c.txt"));
	check("unlink a.txt", unlink("a.txt"));

	/* stdio on files */
	FILE *f = fopen("s.txt", "w");
	for (int i = 0; i < 1000; i++)
		fprintf(f, "line %d %s\n", i, i % 2 ? "odd" : "even");
	fclose(f);
	f = fopen("s.txt", "r");
	int lines = 0, odd = 0;
	while (fgets(buf, sizeof buf, f)) {
		lines++;
		if (strstr(buf, "odd"))
			odd++;
	}
	printf("lines %d odd %d eof %d\n", lines, odd, feof(f));
	fseek(f, -9, SEEK_END);
	fgets(buf, sizeof buf, f);
	printf("last: %s", buf);
	printf("ftell %ld\n", ftell(f));
	fclose(f);
	remove("s.txt");
	return 0;
}
