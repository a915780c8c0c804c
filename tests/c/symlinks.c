/* Symbolic links: symlink and readlink (truncation, EINVAL for a non-link,
 * EEXIST), lstat against stat (S_IFLNK, st_size the target's length),
 * relative and absolute targets, links to directories in the middle of a
 * path and `..` after one, dangling links (ENOENT; O_CREAT makes the
 * target, O_EXCL refuses), loops (ELOOP), O_NOFOLLOW, unlink and rename
 * of a link, link(2) of a link, d_type DT_LNK, realpath and chdir through
 * a link. In the scratch directory (argv[1]); absolute targets are made
 * from its real path. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char base[PATH_MAX];

static void report(const char *what, int r)
{
	printf("%s: %d errno %d\n", what, r < 0 ? -1 : r, r < 0 ? errno : 0);
}

static const char *kind(mode_t m)
{
	return S_ISLNK(m) ? "link" : S_ISDIR(m) ? "dir" : S_ISREG(m) ? "file" : "other";
}

static void show_stat(const char *path)
{
	struct stat st, lst;
	int r = stat(path, &st);
	int e = errno;
	int l = lstat(path, &lst);
	int le = errno;
	if (r == 0)
		printf("stat %s: %s size %lld", path, kind(st.st_mode), (long long)st.st_size);
	else
		printf("stat %s: errno %d", path, e);
	if (l == 0)
		printf("; lstat: %s size %lld\n", kind(lst.st_mode), (long long)lst.st_size);
	else
		printf("; lstat: errno %d\n", le);
}

static void show_link(const char *path)
{
	char buf[256];
	errno = 0;
	ssize_t n = readlink(path, buf, sizeof buf);
	if (n < 0)
		printf("readlink %s: errno %d\n", path, errno);
	else
		printf("readlink %s: %zd \"%.*s\"\n", path, n, (int)n, buf);
}

static void cat(const char *path)
{
	char buf[64];
	int fd = open(path, O_RDONLY);
	if (fd < 0) {
		printf("open %s: errno %d\n", path, errno);
		return;
	}
	ssize_t n = read(fd, buf, sizeof buf);
	printf("read %s: \"%.*s\"\n", path, (int)(n < 0 ? 0 : n), buf);
	close(fd);
}

static void write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0) {
		printf("create %s: errno %d\n", path, errno);
		return;
	}
	if (write(fd, text, strlen(text)) < 0)
		printf("write %s: errno %d\n", path, errno);
	close(fd);
}

/* The path relative to the scratch directory, or the path itself. */
static const char *relative(const char *path)
{
	size_t n = strlen(base);
	if (strncmp(path, base, n) == 0)
		return path[n] ? path + n : "(base)";
	return path;
}

int main(int argc, char **argv)
{
	if (argc < 2 || chdir(argv[1]) != 0 || !getcwd(base, sizeof base)) {
		printf("no scratch directory\n");
		return 1;
	}
	char abs[PATH_MAX + 32];

	/* Making and reading links. */
	mkdir("d", 0755);
	write_file("d/f", "hello");
	report("symlink d/f l", symlink("d/f", "l"));
	report("symlink d dl", symlink("d", "dl"));
	snprintf(abs, sizeof abs, "%s/d/f", base);
	report("symlink absolute", symlink(abs, "abs"));
	show_link("l");
	show_link("dl");
	char small[3];
	ssize_t n = readlink("l", small, sizeof small);
	printf("readlink truncated: %zd \"%.*s\"\n", n, (int)(n < 0 ? 0 : n), small);
	/* A size of 0 is left out: glibc passes it on (EINVAL), musl answers
	 * 0 itself. */
	show_link("d/f");
	show_link("d");
	show_link("missing");
	report("symlink onto a link", symlink("x", "l"));
	report("symlink onto a file", symlink("x", "d/f"));
	report("symlink empty target", symlink("", "e"));
	report("symlink in a missing directory", symlink("x", "nodir/x"));
	char buf[64];
	n = readlinkat(AT_FDCWD, "dl", buf, sizeof buf);
	printf("readlinkat: %zd\n", n);

	/* stat follows, lstat does not. */
	show_stat("l");
	show_stat("dl");
	struct stat lst;
	if (lstat("abs", &lst) == 0)
		printf("lstat abs: %s, size is the target's length: %s\n", kind(lst.st_mode),
		       (size_t)lst.st_size == strlen(abs) ? "yes" : "no");
	cat("abs");
	show_stat("dl/");
	show_stat("d/f");
	cat("l");
	cat("dl/f");
	cat("abs");

	/* Links in the middle of a path, `..` after one. */
	mkdir("d/sub", 0755);
	write_file("d/sub/g", "in sub");
	report("symlink d/sub sl", symlink("d/sub", "sl"));
	cat("sl/g");
	cat("sl/../f");
	write_file("dl/made", "through a link");
	cat("d/made");
	report("mkdir through a link", mkdir("dl/newdir", 0755));
	show_stat("d/newdir");
	report("symlink relative to its directory", symlink("../f", "d/sub/up"));
	cat("d/sub/up");
	cat("sl/up");
	report("link through a file", symlink("x", "l/x"));
	show_stat("l/x");
	show_stat("l/");

	/* Dangling links. */
	report("symlink dangling", symlink("target-later", "dangle"));
	show_stat("dangle");
	cat("dangle");
	report("O_CREAT|O_EXCL on dangling", open("dangle", O_WRONLY | O_CREAT | O_EXCL, 0644));
	int fd = open("dangle", O_WRONLY | O_CREAT, 0644);
	report("O_CREAT through dangling", fd < 0 ? -1 : 0);
	if (fd >= 0) {
		if (write(fd, "now", 3) != 3)
			printf("write failed\n");
		close(fd);
	}
	cat("target-later");
	show_stat("dangle");
	report("mkdir at a dangling link", mkdir("dangle", 0755));

	/* Loops. */
	report("symlink self", symlink("self", "self"));
	report("symlink a->b", symlink("b", "a"));
	report("symlink b->a", symlink("a", "b"));
	show_stat("self");
	show_stat("a");
	cat("a");
	report("stat through a loop", stat("a/x", &(struct stat){0}));
	report("creat through a loop", open("self", O_WRONLY | O_CREAT, 0644));
	show_link("a");

	/* O_NOFOLLOW. */
	report("O_NOFOLLOW on a link", open("l", O_RDONLY | O_NOFOLLOW));
	fd = open("dl/f", O_RDONLY | O_NOFOLLOW);
	report("O_NOFOLLOW with a link before", fd < 0 ? -1 : 0);
	if (fd >= 0)
		close(fd);
	report("O_NOFOLLOW on a dangling link", open("dangle", O_RDONLY | O_NOFOLLOW));

	/* fstatat with and without AT_SYMLINK_NOFOLLOW. */
	struct stat st;
	if (fstatat(AT_FDCWD, "l", &st, AT_SYMLINK_NOFOLLOW) == 0)
		printf("fstatat nofollow: %s\n", kind(st.st_mode));
	if (fstatat(AT_FDCWD, "l", &st, 0) == 0)
		printf("fstatat follow: %s\n", kind(st.st_mode));

	/* d_type. */
	DIR *dir = opendir(".");
	struct dirent *de;
	int links = 0, dirs = 0, files = 0;
	while (dir && (de = readdir(dir))) {
		if (de->d_name[0] == '.')
			continue;
		if (de->d_type == DT_LNK)
			links++;
		else if (de->d_type == DT_DIR)
			dirs++;
		else if (de->d_type == DT_REG)
			files++;
	}
	if (dir)
		closedir(dir);
	printf("readdir: %d links, %d dirs, %d files\n", links, dirs, files);

	/* link(2) does not follow; rename moves the link; unlink removes it. */
	report("link l l2", link("l", "l2"));
	show_stat("l2");
	if (lstat("l", &st) == 0)
		printf("l links: %ld\n", (long)st.st_nlink);
	report("rename l2 d/moved", rename("l2", "d/moved"));
	show_link("d/moved");
	show_stat("d/moved");
	report("rename dl dl2", rename("dl", "dl2"));
	cat("dl2/f");
	report("unlink dl2", unlink("dl2"));
	show_stat("dl2");
	show_stat("d");
	report("rmdir through a link", rmdir("sl"));
	report("unlink l", unlink("l"));
	show_stat("l");
	cat("d/f");

	/* realpath and chdir through a link. */
	char out[PATH_MAX];
	if (realpath("sl/../sub/g", out))
		printf("realpath: %s\n", relative(out));
	else
		printf("realpath: errno %d\n", errno);
	if (realpath("abs", out))
		printf("realpath abs: %s\n", relative(out));
	errno = 0;
	const char *r = realpath("a", out) ? "ok" : "null";
	printf("realpath loop: %s errno %d\n", r, errno);
	report("symlink dangling2", symlink("nothing-here", "dangle2"));
	errno = 0;
	r = realpath("dangle2", out) ? relative(out) : "null";
	printf("realpath dangling: %s errno %d\n", r, errno);
	report("chdir sl", chdir("sl"));
	if (getcwd(out, sizeof out))
		printf("getcwd: %s\n", relative(out));
	report("chdir ..", chdir(".."));
	if (getcwd(out, sizeof out))
		printf("getcwd: %s\n", relative(out));
	return 0;
}
