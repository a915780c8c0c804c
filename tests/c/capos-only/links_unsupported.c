/* What capOS's file service does not hold yet, and how the POSIX adapter
 * says so (docs/posix-abi.md, libcapos-posix/src/attrs.rs): a hard or
 * symbolic link whose paths are fine fails with EPERM (as Linux on a file
 * system without links) and makes nothing; utimensat succeeds on a
 * writable file, records no time (stat reports 0), and is EROFS on a
 * read-only boot file. Checks itself; exits 0 when every check holds. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

static int failures;

static void check(const char *what, int ok)
{
	printf("%s %s\n", ok ? "ok  " : "FAIL", what);
	failures += !ok;
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	int fd = open("/tmp/lu-file", O_CREAT | O_WRONLY | O_TRUNC, 0644);
	check("make /tmp/lu-file", fd >= 0);
	close(fd);
	struct stat st;
	errno = 0;
	check("link is EPERM", link("/tmp/lu-file", "/tmp/lu-link") == -1 && errno == EPERM);
	check("the link name was not made", stat("/tmp/lu-link", &st) == -1 && errno == ENOENT);
	errno = 0;
	check("symlink is EPERM", symlink("/tmp/lu-file", "/tmp/lu-sym") == -1 && errno == EPERM);
	check("the symlink name was not made", stat("/tmp/lu-sym", &st) == -1 && errno == ENOENT);
	struct timespec t[2] = {{1000, 0}, {2000, 0}};
	check("utimensat on a writable file succeeds", utimensat(AT_FDCWD, "/tmp/lu-file", t, 0) == 0);
	check("and records no time", stat("/tmp/lu-file", &st) == 0 && st.st_mtime == 0);
	errno = 0;
	check("utimensat on a read-only boot file is EROFS",
	      utimensat(AT_FDCWD, "/bin/sh", NULL, 0) == -1 && errno == EROFS);
	struct timespec omit[2] = {{0, UTIME_OMIT}, {0, UTIME_OMIT}};
	check("omitting both times on it changes nothing and succeeds",
	      utimensat(AT_FDCWD, "/bin/sh", omit, 0) == 0);
	return failures != 0;
}
