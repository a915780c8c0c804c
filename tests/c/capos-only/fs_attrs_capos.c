/* What capOS's file attributes do that a Linux user's do not (the shared
 * behaviour is the differential tests/c/fs_attrs.c): the permission bits
 * are stored and reported but not enforced (a program writes a 0444 file,
 * as root may on Linux; docs/posix.md), a read-only boot file (0555) can
 * change neither bits, times nor names (EROFS), a symbolic link cannot be
 * made in a read-only directory (EROFS; the shared behaviour of links is
 * tests/c/symlinks.c) and owners are 0 (chown to anything else
 * is EPERM). The times come from the wall clock (within a few seconds of
 * time()). Checks itself; exits 0 when every check holds. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <time.h>
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
	umask(022);
	int fd = open("/tmp/fa-file", O_CREAT | O_WRONLY | O_TRUNC, 0666);
	check("make /tmp/fa-file", fd >= 0);
	check("write to it", write(fd, "abc", 3) == 3);
	close(fd);
	struct stat st;
	check("its mode is 0666 less the umask",
	      stat("/tmp/fa-file", &st) == 0 && (st.st_mode & 07777) == 0644 && S_ISREG(st.st_mode));
	time_t now = time(NULL);
	check("its mtime is the wall clock's time",
	      st.st_mtime <= now && now - st.st_mtime <= 5 && st.st_ctime == st.st_mtime);
	check("owner and group 0", st.st_uid == 0 && st.st_gid == 0);

	/* Bits are not enforced. */
	check("chmod 0444", chmod("/tmp/fa-file", 0444) == 0);
	fd = open("/tmp/fa-file", O_WRONLY | O_APPEND);
	check("a 0444 file opens for writing", fd >= 0);
	check("and takes a write", write(fd, "d", 1) == 1);
	close(fd);
	check("access W_OK on a 0444 writable node succeeds", access("/tmp/fa-file", W_OK) == 0);
	check("the mode stays 0444", stat("/tmp/fa-file", &st) == 0 && (st.st_mode & 07777) == 0444 &&
					       st.st_size == 4);

	/* Read-only boot files. */
	check("a read-only boot file is 0555", stat("/bin/sh", &st) == 0 && (st.st_mode & 07777) == 0555);
	check("a writable boot file is 0755",
	      stat("/home/README", &st) == 0 && (st.st_mode & 07777) == 0755);
	errno = 0;
	check("access W_OK on a read-only boot file is EROFS", access("/bin/sh", W_OK) == -1 && errno == EROFS);
	errno = 0;
	check("chmod of a read-only boot file is EROFS", chmod("/bin/sh", 0755) == -1 && errno == EROFS);
	errno = 0;
	check("utimensat on a read-only boot file is EROFS",
	      utimensat(AT_FDCWD, "/bin/sh", NULL, 0) == -1 && errno == EROFS);
	struct timespec omit[2] = {{0, UTIME_OMIT}, {0, UTIME_OMIT}};
	check("omitting both times on it changes nothing and succeeds",
	      utimensat(AT_FDCWD, "/bin/sh", omit, 0) == 0);
	errno = 0;
	check("link of a read-only boot file is EROFS", link("/bin/sh", "/tmp/fa-sh") == -1 && errno == EROFS);
	check("and made nothing", stat("/tmp/fa-sh", &st) == -1 && errno == ENOENT);
	check("the boot file still has one link", stat("/bin/sh", &st) == 0 && st.st_nlink == 1);

	/* Symbolic links. */
	errno = 0;
	check("symlink in a read-only directory is EROFS", symlink("/tmp/fa-file", "/etc/fa-sym") == -1 && errno == EROFS);
	check("the symlink name was not made", lstat("/etc/fa-sym", &st) == -1 && errno == ENOENT);
	check("symlink in /tmp works", symlink("/tmp/fa-file", "/tmp/fa-sym") == 0);
	check("and leads to the file", stat("/tmp/fa-sym", &st) == 0 && S_ISREG(st.st_mode));
	check("unlink of the link", unlink("/tmp/fa-sym") == 0);

	/* Devices keep no attributes. */
	fd = open("/dev/null", O_WRONLY);
	errno = 0;
	check("fchmod of /dev/null is EPERM", fchmod(fd, 0600) == -1 && errno == EPERM);
	errno = 0;
	check("futimens of /dev/null is EPERM", futimens(fd, NULL) == -1 && errno == EPERM);
	close(fd);

	/* Owners. */
	check("chown to 0:0 succeeds", chown("/tmp/fa-file", 0, 0) == 0);
	check("chown keeping both (-1) succeeds", chown("/tmp/fa-file", (uid_t)-1, (gid_t)-1) == 0);
	errno = 0;
	check("chown to another owner is EPERM", chown("/tmp/fa-file", 1000, 0) == -1 && errno == EPERM);
	errno = 0;
	check("lchown to another group is EPERM", lchown("/tmp/fa-file", 0, 1000) == -1 && errno == EPERM);
	errno = 0;
	check("chown of a read-only boot file to another owner is EROFS",
	      chown("/bin/sh", 1000, 0) == -1 && errno == EROFS);
	return failures != 0;
}
