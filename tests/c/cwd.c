/* getcwd and chdir: relative paths, `..`, and the directory of an fd. */
#include <stdio.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/stat.h>

int main(int argc, char **argv)
{
	char base[1024], buf[1024];
	if (argc < 2 || chdir(argv[1]) != 0 || !getcwd(base, sizeof base))
		return 1;
	size_t n = strlen(base);
	mkdir("a", 0755);
	mkdir("a/b", 0755);
	mkdir("a/b/c", 0755);
	const char *steps[] = { "a", "b", "c", "..", "../..", "a/./b/../b", "/", NULL };
	for (int i = 0; steps[i]; i++) {
		if (!strcmp(steps[i], "/")) {
			if (chdir(base) != 0)
				return 1;
			printf("back to base\n");
			continue;
		}
		int r = chdir(steps[i]);
		getcwd(buf, sizeof buf);
		printf("chdir %-12s -> %d, cwd %s\n", steps[i], r, strncmp(buf, base, n) ? buf : buf + n);
	}
	int fd = open("a/b", O_RDONLY | O_DIRECTORY);
	printf("fchdir %d\n", fchdir(fd));
	getcwd(buf, sizeof buf);
	printf("cwd %s\n", buf + n);
	int file = openat(fd, "c/../x", O_CREAT | O_WRONLY, 0644);
	printf("openat relative to dir fd: %s\n", file >= 0 ? "ok" : "failed");
	close(file);
	printf("exists via cwd: %d\n", access("x", F_OK));
	close(fd);
	chdir(base);
	unlink("a/b/x");
	rmdir("a/b/c");
	rmdir("a/b");
	rmdir("a");
	printf("cleaned: %d\n", access("a", F_OK));
	return 0;
}
