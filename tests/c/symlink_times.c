/* A symbolic link's own times: utimensat and lutimes with
 * AT_SYMLINK_NOFOLLOW change the link, not the file it leads to; without
 * the flag the file changes; a link's permission bits cannot change
 * (fchmodat with AT_SYMLINK_NOFOLLOW: EOPNOTSUPP); a dangling link's
 * times change too, and the flag on a plain file is harmless. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

static void times_of(const char *what, const char *path, int follow)
{
	struct stat st;
	int r = follow ? stat(path, &st) : lstat(path, &st);
	if (r != 0) {
		printf("%s: %s\n", what, strerror(errno));
		return;
	}
	printf("%s: atime %lld.%09ld mtime %lld.%09ld\n", what, (long long)st.st_atim.tv_sec, st.st_atim.tv_nsec,
	       (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
}

static void result(const char *what, int r)
{
	/* EOPNOTSUPP by name: the C libraries word it differently. */
	printf("%s: %s\n", what, r == 0 ? "ok" : errno == EOPNOTSUPP ? "EOPNOTSUPP" : strerror(errno));
}

int main(int argc, char **argv)
{
	if (argc < 2 || chdir(argv[1]) != 0)
		return 2;
	int fd = open("file", O_CREAT | O_WRONLY, 0644);
	if (fd < 0 || write(fd, "data", 4) != 4 || close(fd) != 0)
		return 3;
	if (symlink("file", "link") != 0 || symlink("missing", "dangling") != 0)
		return 4;
	struct timespec file_times[2] = {{1000000000, 5}, {1100000000, 6}};
	result("utimensat file", utimensat(AT_FDCWD, "file", file_times, 0));

	struct timespec link_times[2] = {{1200000000, 7}, {1300000000, 8}};
	result("utimensat link nofollow", utimensat(AT_FDCWD, "link", link_times, AT_SYMLINK_NOFOLLOW));
	times_of("link itself", "link", 0);
	times_of("file", "file", 1);

	struct timespec omit[2] = {{0, UTIME_OMIT}, {1400000000, 9}};
	result("utimensat link nofollow, atime omitted", utimensat(AT_FDCWD, "link", omit, AT_SYMLINK_NOFOLLOW));
	times_of("link itself", "link", 0);

	struct timespec through[2] = {{1500000000, 10}, {1600000000, 11}};
	result("utimensat through the link", utimensat(AT_FDCWD, "link", through, 0));
	/* (Following the link reads it, which may set its atime to now.) */
	struct stat st;
	if (lstat("link", &st) == 0)
		printf("link itself: mtime %lld.%09ld\n", (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
	times_of("file", "file", 1);

	struct timeval tv[2] = {{1700000000, 12}, {1710000000, 13}};
	result("lutimes link", lutimes("link", tv));
	times_of("link itself", "link", 0);

	result("utimensat dangling nofollow", utimensat(AT_FDCWD, "dangling", link_times, AT_SYMLINK_NOFOLLOW));
	times_of("dangling itself", "dangling", 0);
	result("utimensat dangling followed", utimensat(AT_FDCWD, "dangling", link_times, 0));

	result("utimensat file nofollow", utimensat(AT_FDCWD, "file", file_times, AT_SYMLINK_NOFOLLOW));
	times_of("file", "file", 1);

	int dir = open(".", O_RDONLY | O_DIRECTORY);
	result("utimensat at a directory fd, nofollow", utimensat(dir, "link", link_times, AT_SYMLINK_NOFOLLOW));
	times_of("link itself", "link", 0);
	close(dir);

	result("fchmodat link nofollow", fchmodat(AT_FDCWD, "link", 0600, AT_SYMLINK_NOFOLLOW));
	result("fchmodat file nofollow", fchmodat(AT_FDCWD, "file", 0600, AT_SYMLINK_NOFOLLOW));
	if (stat("file", &st) == 0)
		printf("file mode %o\n", st.st_mode & 07777);
	return 0;
}
