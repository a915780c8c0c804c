/* File attributes the file service keeps: permission bits (the mode given
 * to open and mkdir less the umask, chmod, fchmod, fchmodat, access's
 * X_OK, exec of a file without execute bits), times (utimensat and
 * futimens with given times, UTIME_NOW and UTIME_OMIT; mtime and ctime
 * moving on write, truncate, chmod and directory changes; atime on read,
 * as with Linux's relatime) and hard links (link, linkat, st_nlink, one
 * node under two names, unlink of one name keeping the data, a
 * directory's st_nlink of 2 plus its subdirectories, d_ino equal to
 * st_ino). Prints relations and bits, never the current time. In the
 * scratch directory (argv[1]). */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static struct stat st_of(const char *path)
{
	struct stat st;
	memset(&st, 0, sizeof st);
	if (stat(path, &st) != 0)
		printf("stat %s failed: errno %d\n", path, errno);
	return st;
}

static void mode(const char *what, const char *path)
{
	struct stat st = st_of(path);
	printf("%s: %04o %s\n", what, (unsigned)(st.st_mode & 07777),
	       S_ISDIR(st.st_mode) ? "dir" : S_ISREG(st.st_mode) ? "file" : "other");
}

static int later(struct timespec a, struct timespec b)
{
	return a.tv_sec > b.tv_sec || (a.tv_sec == b.tv_sec && a.tv_nsec > b.tv_nsec);
}

static const char *yes(int c)
{
	return c ? "yes" : "no";
}

static void report(const char *what, int r)
{
	printf("%s: %d errno %d\n", what, r, r < 0 ? errno : 0);
}

/* Sets both times of `path` to `sec` (an old time, so any change after
 * it shows). */
static void age(const char *path, long sec)
{
	struct timespec t[2] = {{sec, 0}, {sec, 0}};
	if (utimensat(AT_FDCWD, path, t, 0) != 0)
		printf("utimensat %s failed: errno %d\n", path, errno);
}

int main(int argc, char **argv)
{
	if (argc < 2 || chdir(argv[1]) != 0) {
		perror("chdir");
		return 1;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);

	printf("-- permission bits\n");
	umask(022);
	int fd = open("f", O_CREAT | O_WRONLY | O_TRUNC, 0666);
	mode("open 0666 umask 022", "f");
	close(fd);
	printf("umask was %03o\n", (unsigned)umask(027));
	close(open("g", O_CREAT | O_WRONLY, 0777));
	mode("open 0777 umask 027", "g");
	close(open("g", O_CREAT | O_WRONLY, 0600));
	mode("open of an existing file keeps its bits", "g");
	umask(077);
	mkdir("d", 0777);
	mode("mkdir 0777 umask 077", "d");
	umask(0);
	mkdir("e", 01777);
	mode("mkdir 01777 umask 0", "e");
	report("chmod 0640", chmod("f", 0640));
	mode("after chmod", "f");
	report("chmod 04711", chmod("f", 04711));
	mode("after chmod 04711", "f");
	fd = open("f", O_RDONLY);
	report("fchmod 0600 on a read-only fd", fchmod(fd, 0600));
	mode("after fchmod", "f");
	close(fd);
	int dfd = open("d", O_RDONLY | O_DIRECTORY);
	report("fchmodat 0751", fchmodat(dfd, "../g", 0751, 0));
	mode("after fchmodat", "g");
	report("fchmod of a directory fd 0755", fchmod(dfd, 0755));
	mode("after fchmod of the directory", "d");
	close(dfd);
	report("chmod missing", chmod("no-such", 0644));
	report("fchmod bad fd", fchmod(999, 0644));
	report("access X_OK on 0600", access("f", X_OK));
	report("access X_OK on 0751", access("g", X_OK));
	report("access X_OK on a directory", access("d", X_OK));

	/* A file without execute bits cannot be executed. */
	fd = open("script", O_CREAT | O_WRONLY | O_TRUNC, 0644);
	if (write(fd, "#!/bin/sh\nexit 3\n", 17) != 17)
		printf("write script failed\n");
	close(fd);
	char *args[] = {"script", NULL};
	errno = 0;
	execv("./script", args);
	printf("execv of a 0644 file: errno %d\n", errno);

	printf("-- times\n");
	struct timespec set[2] = {{1000, 0}, {2000, 500}};
	report("utimensat given times", utimensat(AT_FDCWD, "f", set, 0));
	struct stat st = st_of("f");
	printf("atime %lld.%09ld mtime %lld.%09ld\n", (long long)st.st_atim.tv_sec, st.st_atim.tv_nsec,
	       (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
	printf("ctime after the given times: %s\n", yes(later(st.st_ctim, st.st_mtim)));
	struct timespec omit_a[2] = {{0, UTIME_OMIT}, {3000, 0}};
	utimensat(AT_FDCWD, "f", omit_a, 0);
	st = st_of("f");
	printf("UTIME_OMIT keeps atime: %s, mtime %lld\n", yes(st.st_atim.tv_sec == 1000),
	       (long long)st.st_mtim.tv_sec);
	struct timespec now_m[2] = {{0, UTIME_OMIT}, {0, UTIME_NOW}};
	utimensat(AT_FDCWD, "f", now_m, 0);
	st = st_of("f");
	printf("UTIME_NOW sets mtime to now: %s, atime kept: %s\n", yes(st.st_mtim.tv_sec > 1000000000),
	       yes(st.st_atim.tv_sec == 1000));

	age("f", 1000);
	fd = open("f", O_WRONLY);
	struct stat before;
	fstat(fd, &before);
	if (write(fd, "", 0) != 0)
		printf("empty write failed\n");
	fstat(fd, &st);
	printf("mtime advanced after an empty write: %s\n", yes(later(st.st_mtim, before.st_mtim)));
	if (write(fd, "data", 4) != 4)
		printf("write failed\n");
	fstat(fd, &st);
	printf("mtime advanced after write: %s\n", yes(later(st.st_mtim, before.st_mtim)));
	printf("ctime advanced after write: %s\n", yes(later(st.st_ctim, before.st_mtim)));
	printf("atime kept by write: %s\n", yes(st.st_atim.tv_sec == 1000));
	close(fd);

	age("f", 1000);
	fd = open("f", O_RDWR);
	report("ftruncate", ftruncate(fd, 2));
	fstat(fd, &st);
	printf("mtime advanced after ftruncate: %s\n", yes(st.st_mtim.tv_sec > 1000));
	age("f", 1000);
	report("futimens NULL", futimens(fd, NULL));
	fstat(fd, &st);
	printf("futimens NULL sets both to now: %s\n", yes(st.st_atim.tv_sec > 1000 && st.st_mtim.tv_sec > 1000));
	close(fd);

	/* relatime: a read sets an atime older than mtime. */
	struct timespec old_a[2] = {{1000, 0}, {0, UTIME_NOW}};
	utimensat(AT_FDCWD, "f", old_a, 0);
	fd = open("f", O_RDONLY);
	char buf[8];
	if (read(fd, buf, sizeof buf) < 0)
		printf("read failed\n");
	fstat(fd, &st);
	printf("atime advanced after read: %s\n", yes(st.st_atim.tv_sec > 1000));
	close(fd);

	/* chmod changes ctime, not mtime. */
	age("f", 1000);
	chmod("f", 0644);
	st = st_of("f");
	printf("chmod: mtime kept %s, ctime after mtime %s\n", yes(st.st_mtim.tv_sec == 1000),
	       yes(later(st.st_ctim, st.st_mtim)));

	/* A directory changes when its entries do. */
	age("d", 1000);
	close(open("d/new", O_CREAT | O_WRONLY, 0644));
	printf("directory mtime advanced after a create: %s\n", yes(st_of("d").st_mtim.tv_sec > 1000));
	age("d", 1000);
	unlink("d/new");
	printf("directory mtime advanced after an unlink: %s\n", yes(st_of("d").st_mtim.tv_sec > 1000));
	report("utimensat missing", utimensat(AT_FDCWD, "no-such", NULL, 0));

	printf("-- links\n");
	fd = open("a", O_CREAT | O_WRONLY | O_TRUNC, 0644);
	if (write(fd, "shared\n", 7) != 7)
		printf("write a failed\n");
	close(fd);
	report("link a d/b", link("a", "d/b"));
	struct stat sa = st_of("a"), sb = st_of("d/b");
	printf("nlink %d %d, same inode: %s\n", (int)sa.st_nlink, (int)sb.st_nlink,
	       yes(sa.st_ino == sb.st_ino && sa.st_dev == sb.st_dev));
	fd = open("d/b", O_WRONLY | O_APPEND);
	if (write(fd, "more\n", 5) != 5)
		printf("write d/b failed\n");
	close(fd);
	printf("size through the other name: %lld\n", (long long)st_of("a").st_size);
	report("linkat a c", linkat(AT_FDCWD, "a", AT_FDCWD, "c", 0));
	printf("nlink %d\n", (int)st_of("a").st_nlink);
	report("unlink a", unlink("a"));
	printf("nlink of d/b after unlink: %d\n", (int)st_of("d/b").st_nlink);
	fd = open("d/b", O_RDONLY);
	ssize_t n = read(fd, buf, sizeof buf - 1);
	buf[n > 0 ? n : 0] = 0;
	printf("data kept: %s", buf);
	close(fd);
	report("rename c onto d/b (same file)", rename("c", "d/b"));
	printf("c still there: %s\n", yes(access("c", F_OK) == 0));
	unlink("c");
	printf("nlink of d/b: %d\n", (int)st_of("d/b").st_nlink);
	report("link onto an existing name", link("d/b", "f"));
	report("link a directory", link("d", "d2"));
	report("link missing", link("no-such", "x"));
	report("link into a missing directory", link("d/b", "no-dir/x"));

	printf("-- directory links and d_ino\n");
	mkdir("p", 0755);
	printf("empty directory nlink %d\n", (int)st_of("p").st_nlink);
	mkdir("p/s1", 0755);
	mkdir("p/s2", 0755);
	close(open("p/file", O_CREAT | O_WRONLY, 0644));
	printf("with 2 subdirectories and a file nlink %d\n", (int)st_of("p").st_nlink);
	DIR *dir = opendir("p");
	struct dirent *ent;
	int matched = 0, entries = 0;
	while (dir && (ent = readdir(dir))) {
		char path[300];
		snprintf(path, sizeof path, "p/%s", ent->d_name);
		entries++;
		matched += ent->d_ino == st_of(path).st_ino;
	}
	if (dir)
		closedir(dir);
	printf("d_ino equals st_ino for %d of %d entries\n", matched, entries);
	return 0;
}
