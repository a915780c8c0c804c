/* A file made with execute permission is executable to access(X_OK)
 * and shows the bits in st_mode, and a directory is searchable: what a
 * shell's PATH search (dash's faccessat(X_OK) and, as root, the st_mode
 * bits) checks before it runs a program; a file made 0644 is not
 * executable (the file service keeps the bits, tests/c/fs_attrs.c). */
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc < 2 || chdir(argv[1]) != 0)
		return 1;
	int fd = open("prog", O_CREAT | O_WRONLY | O_TRUNC, 0755);
	if (fd < 0 || write(fd, "#!/bin/sh\necho hi\n", 18) != 18 || close(fd) != 0)
		return 2;
	struct stat st;
	if (stat("prog", &st) != 0)
		return 3;
	printf("regular: %d\n", S_ISREG(st.st_mode) ? 1 : 0);
	printf("owner may execute: %d\n", (st.st_mode & S_IXUSR) ? 1 : 0);
	printf("access X_OK: %d\n", access("prog", X_OK));
	printf("access R_OK|X_OK: %d\n", access("prog", R_OK | X_OK));
	printf("faccessat X_OK AT_EACCESS: %d\n", faccessat(AT_FDCWD, "prog", X_OK, AT_EACCESS));
	printf("directory X_OK: %d\n", access(".", X_OK));
	printf("missing X_OK: %d\n", access("missing", X_OK));
	close(open("data", O_CREAT | O_WRONLY | O_TRUNC, 0644));
	printf("0644 file X_OK: %d\n", access("data", X_OK));
	printf("0644 file shows no execute bit: %d\n", stat("data", &st) == 0 && !(st.st_mode & 0111));
	return 0;
}
