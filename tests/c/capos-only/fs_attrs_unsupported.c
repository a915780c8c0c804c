/* What capOS's file service does not hold yet, and how the POSIX adapter
 * says so (docs/posix-abi.md, libcapos-posix/src/attrs.rs): a hard or
 * symbolic link whose paths are fine fails with EPERM (as Linux on a file
 * system without links) and makes nothing; utimensat succeeds on a
 * writable file, records no time (stat reports 0), and is EROFS on a
 * read-only boot file; chmod and chown accept only what stat reports
 * (EPERM, or EROFS on a read-only node, for anything else), as on a FAT
 * volume. Checks itself; exits 0 when every check holds. */
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

	check("chmod to the mode stat reports succeeds", chmod("/tmp/lu-file", 0755) == 0);
	errno = 0;
	check("chmod to another mode is EPERM", chmod("/tmp/lu-file", 0644) == -1 && errno == EPERM);
	check("and the mode stays", stat("/tmp/lu-file", &st) == 0 && (st.st_mode & 07777) == 0755);
	check("chmod of a read-only boot file to its mode succeeds", chmod("/bin/sh", 0555) == 0);
	errno = 0;
	check("chmod of a read-only boot file to another mode is EROFS",
	      chmod("/bin/sh", 0755) == -1 && errno == EROFS);
	errno = 0;
	check("chmod of a missing path is ENOENT", chmod("/tmp/no-such", 0755) == -1 && errno == ENOENT);
	/* Read and write: through a read-only fd stat reports the node read-only (0555). */
	fd = open("/tmp/lu-file", O_RDWR);
	check("fchmod to the mode stat reports succeeds", fd >= 0 && fchmod(fd, 0755) == 0);
	errno = 0;
	check("fchmod to another mode is EPERM", fchmod(fd, 0600) == -1 && errno == EPERM);
	check("fchown to 0:0 succeeds", fchown(fd, 0, 0) == 0);
	close(fd);
	errno = 0;
	check("fchmod of a bad fd is EBADF", fchmod(999, 0755) == -1 && errno == EBADF);
	check("chown to 0:0 succeeds", chown("/tmp/lu-file", 0, 0) == 0);
	check("chown keeping both (-1) succeeds", chown("/tmp/lu-file", (uid_t)-1, (gid_t)-1) == 0);
	errno = 0;
	check("chown to another owner is EPERM", chown("/tmp/lu-file", 1000, 0) == -1 && errno == EPERM);
	errno = 0;
	check("lchown to another group is EPERM", lchown("/tmp/lu-file", 0, 1000) == -1 && errno == EPERM);
	return failures != 0;
}
