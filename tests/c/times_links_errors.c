/* File times and links, their errors: utimensat (and utimes, futimens)
 * on a file that exists succeed, bad arguments and missing paths fail with
 * the same errno; link checks its paths the same way (ENOENT, EEXIST,
 * ENOTDIR, EPERM for a directory) and then makes the link; symlink's path
 * errors are the same (tests/c/symlinks.c makes links). What the calls
 * then record is tests/c/fs_attrs.c. In the scratch directory (argv[1]). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

static void report(const char *what, int r)
{
	int e = r < 0 ? errno : 0;
	printf("%s: %d errno %d\n", what, r, e);
}

int main(int argc, char **argv)
{
	if (argc < 2 || chdir(argv[1]) != 0) {
		perror("chdir");
		return 1;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	int fd = open("f", O_CREAT | O_WRONLY | O_TRUNC, 0644);
	report("open f", fd < 0 ? -1 : 0);
	report("mkdir d", mkdir("d", 0755));

	report("utimensat now", utimensat(AT_FDCWD, "f", NULL, 0));
	struct timespec set[2] = {{1000, 0}, {2000, 500}};
	report("utimensat given times", utimensat(AT_FDCWD, "f", set, 0));
	struct timespec omit[2] = {{0, UTIME_OMIT}, {0, UTIME_OMIT}};
	report("utimensat omit both", utimensat(AT_FDCWD, "f", omit, 0));
	struct timespec now[2] = {{0, UTIME_NOW}, {0, UTIME_OMIT}};
	report("utimensat UTIME_NOW", utimensat(AT_FDCWD, "f", now, 0));
	struct timespec bad[2] = {{0, 1000000000}, {0, 0}};
	report("utimensat nsec out of range", utimensat(AT_FDCWD, "f", bad, 0));
	report("utimensat bad flags", utimensat(AT_FDCWD, "f", NULL, 0x4000));
	report("utimensat missing", utimensat(AT_FDCWD, "no-such", NULL, 0));
	report("utimensat directory", utimensat(AT_FDCWD, "d", NULL, 0));
	report("utimes", utimes("f", NULL));
	report("futimens", futimens(fd, NULL));
	report("futimens bad fd", futimens(999, NULL));

	report("link missing source", link("no-such", "x"));
	report("link onto an existing name", link("f", "d"));
	report("link into a missing directory", link("f", "no-dir/x"));
	report("link a directory", link("d", "d2"));
	report("link through a file", link("f", "f/x"));
	report("link with a trailing slash", link("f", "g/"));
	report("link", link("f", "g"));
	report("link onto the name just made", link("f", "g"));
	report("linkat AT_SYMLINK_FOLLOW", linkat(AT_FDCWD, "f", AT_FDCWD, "h", AT_SYMLINK_FOLLOW));
	struct stat st;
	report("stat g", stat("g", &st));
	printf("nlink %d\n", (int)st.st_nlink);
	report("symlink onto an existing name", symlink("f", "d"));
	report("symlink into a missing directory", symlink("f", "no-dir/x"));
	report("symlink empty target", symlink("", "y"));
	report("linkat bad flags", linkat(AT_FDCWD, "f", AT_FDCWD, "z", 0x1));
	close(fd);
	return 0;
}
