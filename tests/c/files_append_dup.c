/* File descriptors: O_APPEND with two fds, dup/dup2/F_DUPFD sharing one offset, independent opens not sharing, fcntl flags. */
#include <stdio.h>
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

static void show(const char *path)
{
	char buf[256];
	int fd = open(path, O_RDONLY);
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	buf[n < 0 ? 0 : n] = 0;
	printf("%s (%zd): %s\n", path, n, buf);
}

int main(int argc, char **argv)
{
	if (argc < 2 || chdir(argv[1]) != 0)
		return 1;
	int a = open("log.txt", O_CREAT | O_WRONLY | O_APPEND | O_TRUNC, 0644);
	int b = open("log.txt", O_WRONLY | O_APPEND);
	write(a, "A1.", 3);
	write(b, "B1.", 3);
	write(a, "A2.", 3);
	lseek(b, 0, SEEK_SET);
	write(b, "B2.", 3);
	printf("offsets after append writes: %ld %ld\n", (long)lseek(a, 0, SEEK_CUR), (long)lseek(b, 0, SEEK_CUR));
	close(a);
	close(b);
	show("log.txt");

	/* Two plain opens have their own offsets and overwrite each other. */
	a = open("two.txt", O_CREAT | O_RDWR | O_TRUNC, 0644);
	b = open("two.txt", O_RDWR);
	write(a, "aaaaaa", 6);
	write(b, "bb", 2);
	printf("independent offsets: %ld %ld\n", (long)lseek(a, 0, SEEK_CUR), (long)lseek(b, 0, SEEK_CUR));
	close(a);
	close(b);
	show("two.txt");

	/* dup shares the offset and the status flags. */
	a = open("dup.txt", O_CREAT | O_RDWR | O_TRUNC, 0644);
	b = dup(a);
	printf("dup gives a new fd: %d\n", b > a);
	write(a, "hello ", 6);
	write(b, "world", 5);
	printf("shared offset: %ld %ld\n", (long)lseek(a, 0, SEEK_CUR), (long)lseek(b, 0, SEEK_CUR));
	lseek(b, 0, SEEK_SET);
	printf("seek through dup moves both: %ld\n", (long)lseek(a, 0, SEEK_CUR));
	fcntl(a, F_SETFL, O_APPEND);
	printf("O_APPEND seen through dup: %d\n", !!(fcntl(b, F_GETFL) & O_APPEND));
	write(b, "!", 1);
	int c = fcntl(a, F_DUPFD, 50);
	printf("F_DUPFD >= 50: %d\n", c >= 50);
	write(c, "?", 1);
	int d = 77;
	printf("dup2 returns target: %d\n", dup2(a, d) == d);
	write(d, "#", 1);
	printf("dup2 to itself: %d\n", dup2(a, a) == a);
	close(a);
	write(b, "+", 1);
	close(b);
	close(c);
	close(d);
	show("dup.txt");

	/* dup2 over an open fd closes it first. */
	a = open("x1.txt", O_CREAT | O_WRONLY | O_TRUNC, 0644);
	b = open("x2.txt", O_CREAT | O_WRONLY | O_TRUNC, 0644);
	dup2(a, b);
	write(b, "to x1", 5);
	close(a);
	close(b);
	show("x1.txt");
	show("x2.txt");

	/* FD_CLOEXEC per descriptor, not shared by dup. */
	a = open("x1.txt", O_RDONLY | O_CLOEXEC);
	b = dup(a);
	printf("cloexec: open %d dup %d\n", fcntl(a, F_GETFD) & FD_CLOEXEC, fcntl(b, F_GETFD) & FD_CLOEXEC);
	fcntl(b, F_SETFD, FD_CLOEXEC);
	c = fcntl(a, F_DUPFD_CLOEXEC, 0);
	printf("after F_SETFD %d, F_DUPFD_CLOEXEC %d\n", fcntl(b, F_GETFD) & FD_CLOEXEC, fcntl(c, F_GETFD) & FD_CLOEXEC);
	printf("access mode: %d\n", fcntl(a, F_GETFL) & O_ACCMODE);
	close(a);
	close(b);
	close(c);
	int r = dup(a);
	printf("dup of closed: %d %s\n", r, strerror(errno));
	r = dup2(a, 5);
	printf("dup2 of closed: %d %s\n", r, strerror(errno));
	r = fcntl(a, F_GETFL);
	printf("fcntl of closed: %d %s\n", r, strerror(errno));
	unlink("log.txt");
	unlink("two.txt");
	unlink("dup.txt");
	unlink("x1.txt");
	unlink("x2.txt");
	return 0;
}
