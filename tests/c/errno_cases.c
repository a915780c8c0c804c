/* Bad input gets the errno a C programmer expects. */
#include <stdio.h>
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <dirent.h>
#include <sys/stat.h>

#define TRY(expr) do { errno = 0; long r_ = (long)(expr); printf("%-40s = %ld %s\n", #expr, r_, r_ < 0 ? strerrorname(errno) : ""); } while (0)

static const char *strerrorname(int e)
{
	switch (e) {
	case ENOENT: return "ENOENT";
	case EBADF: return "EBADF";
	case EEXIST: return "EEXIST";
	case ENOTDIR: return "ENOTDIR";
	case EISDIR: return "EISDIR";
	case EINVAL: return "EINVAL";
	case ENOTEMPTY: return "ENOTEMPTY";
	case ESPIPE: return "ESPIPE";
	case ERANGE: return "ERANGE";
	case EFAULT: return "EFAULT";
	default: return strerror(e);
	}
}

int main(int argc, char **argv)
{
	if (argc < 2 || chdir(argv[1]) != 0)
		return 1;
	char buf[16];
	TRY(open("missing", O_RDONLY));
	TRY(open("missing/deeper", O_RDONLY));
	TRY(read(-1, buf, 1));
	TRY(read(99, buf, 1));
	TRY(write(1000, buf, 1));
	TRY(close(-5));
	TRY(lseek(77, 0, SEEK_SET));
	TRY(mkdir("d", 0755));
	TRY(mkdir("d", 0755));
	TRY(mkdir("nope/d", 0755));
	int f = open("d/file", O_CREAT | O_WRONLY, 0644);
	TRY(f >= 0 ? 0 : -1);
	TRY(close(f));
	TRY(open("d/file/x", O_RDONLY));
	TRY(open("d/file/x", O_CREAT | O_WRONLY, 0644));
	TRY(open("d", O_WRONLY));
	TRY(open("d/file", O_RDONLY | O_DIRECTORY));
	TRY(open("d/file", O_CREAT | O_EXCL | O_WRONLY, 0644));
	TRY(rmdir("d"));
	TRY(rmdir("d/file"));
	TRY(unlink("d"));
	TRY(chdir("d/file"));
	TRY(opendir("d/file") == NULL ? -1 : 0);
	TRY(opendir("missing") == NULL ? -1 : 0);
	f = open("d/file", O_RDONLY);
	TRY(lseek(f, 0, 12345));
	TRY(lseek(f, -1, SEEK_SET));
	TRY(ftruncate(f, 10));
	TRY(dup2(f, -1));
	TRY(fcntl(f, 99999));
	TRY(getcwd(buf, 1) == NULL ? -1 : 0);
	TRY(unlink("d/file"));
	TRY(rmdir("d"));
	TRY(rmdir("d"));
	TRY(close(f));
	TRY(close(f));
	return 0;
}
