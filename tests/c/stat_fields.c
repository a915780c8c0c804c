/* stat/fstat/lstat/fstatat fields that are deterministic: st_size, file type macros, and errors for bad paths. */
#include <stdio.h>
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/stat.h>

static void st(const char *path)
{
	struct stat s;
	errno = 0;
	int r = stat(path, &s);
	if (r != 0) {
		printf("%-14s -> %d %s\n", path, r, strerror(errno));
		return;
	}
	printf("%-14s -> reg %d dir %d chr %d lnk %d fifo %d size %lld\n", path, !!S_ISREG(s.st_mode),
	       !!S_ISDIR(s.st_mode), !!S_ISCHR(s.st_mode), !!S_ISLNK(s.st_mode), !!S_ISFIFO(s.st_mode),
	       S_ISREG(s.st_mode) ? (long long)s.st_size : -1LL);
}

int main(int argc, char **argv)
{
	if (argc < 2 || chdir(argv[1]) != 0)
		return 1;
	mkdir("d", 0755);
	mkdir("d/sub", 0755);
	int fd = open("d/f", O_CREAT | O_WRONLY | O_TRUNC, 0644);
	for (int i = 0; i < 1234; i++)
		write(fd, "x", 1);
	struct stat a, b;
	fstat(fd, &a);
	printf("fstat while writing: size %lld\n", (long long)a.st_size);
	close(fd);
	fd = open("d/empty", O_CREAT | O_WRONLY, 0644);
	close(fd);
	st("d");
	st("d/sub");
	st("d/f");
	st("d/empty");
	st("d/missing");
	st("d/f/inner");
	st("");
	st("/dev/null");
	st(".");
	st("d/sub/..");
	stat("d/f", &a);
	lstat("d/f", &b);
	printf("stat and lstat agree: %d %d\n", a.st_size == b.st_size, a.st_mode == b.st_mode);
	stat("d/sub/../f", &b);
	printf("same file through ..: ino %d dev %d\n", a.st_ino == b.st_ino, a.st_dev == b.st_dev);
	int dfd = open("d", O_RDONLY | O_DIRECTORY);
	printf("fstatat: %d ", fstatat(dfd, "f", &b, 0));
	printf("size %lld\n", (long long)b.st_size);
	fstat(dfd, &b);
	printf("fstat of directory fd: dir %d\n", !!S_ISDIR(b.st_mode));
	close(dfd);
	int r = fstat(-1, &b);
	printf("fstat bad fd: %d %s\n", r, strerror(errno));
	printf("O_DIRECTORY on file: %d ", open("d/f", O_RDONLY | O_DIRECTORY));
	printf("%s\n", strerror(errno));
	truncate("d/f", 99);
	st("d/f");
	unlink("d/f");
	unlink("d/empty");
	rmdir("d/sub");
	rmdir("d");
	st("d");
	return 0;
}
