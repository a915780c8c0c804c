/* getcwd with deep and long paths: a 30-level tree of 40-character names, ERANGE for small buffers, getcwd(NULL, 0), chdir back up with "..". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <unistd.h>
#include <sys/stat.h>

int main(int argc, char **argv)
{
	if (argc < 2 || chdir(argv[1]) != 0)
		return 1;
	char base[4096];
	getcwd(base, sizeof base);
	size_t baselen = strlen(base);
	char name[64];
	int depth = 0;
	for (int i = 0; i < 30; i++) {
		snprintf(name, sizeof name, "level%02d_abcdefghijklmnopqrstuvwxyz0123", i);
		if (mkdir(name, 0755) != 0 || chdir(name) != 0) {
			printf("failed at %d: %s\n", i, strerror(errno));
			break;
		}
		depth++;
	}
	char buf[4096];
	char *cwd = getcwd(buf, sizeof buf);
	printf("depth %d, getcwd ok %d, extra length %zu\n", depth, cwd != NULL, cwd ? strlen(cwd) - baselen : 0);
	printf("prefix is the start directory %d\n", cwd && !strncmp(cwd, base, baselen));
	printf("last component: %s\n", cwd ? strrchr(cwd, '/') + 1 : "");
	char *dyn = getcwd(NULL, 0);
	printf("getcwd(NULL, 0) matches %d\n", dyn && !strcmp(dyn, buf));
	free(dyn);
	errno = 0;
	char small[16];
	char *r = getcwd(small, sizeof small);
	printf("small buffer: %s errno ERANGE %d\n", r ? "ok?" : "NULL", errno == ERANGE);
	r = getcwd(small, 0);
	printf("size 0: %s errno EINVAL %d\n", r ? "ok?" : "NULL", errno == EINVAL);
	int ups = 0;
	while (ups < depth && chdir("..") == 0)
		ups++;
	getcwd(buf, sizeof buf);
	printf("back up %d levels, at start %d\n", ups, !strcmp(buf, base));
	/* A long relative path in one chdir. */
	char path[4096] = "";
	for (int i = 0; i < depth; i++) {
		snprintf(name, sizeof name, "%slevel%02d_abcdefghijklmnopqrstuvwxyz0123", i ? "/" : "", i);
		strcat(path, name);
	}
	printf("chdir long relative path (%zu chars): %d\n", strlen(path), chdir(path));
	getcwd(buf, sizeof buf);
	printf("length again %zu\n", strlen(buf) - baselen);
	chdir(base);
	for (int i = depth; i > 0; i--) {
		char *slash = strrchr(path, '/');
		if (rmdir(path) != 0)
			printf("rmdir failed at %d: %s\n", i, strerror(errno));
		if (slash)
			*slash = 0;
	}
	struct stat s;
	printf("tree removed %d\n", stat("level00_abcdefghijklmnopqrstuvwxyz0123", &s) != 0);
	return 0;
}
