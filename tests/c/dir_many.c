/* A directory of 1000 files: readdir sees each exactly once (with . and ..), rewinddir restarts, telldir/seekdir, removal leaves it empty. */
#include <stdio.h>
#include <string.h>
#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/stat.h>

#define N 1000

int main(int argc, char **argv)
{
	if (argc < 2 || chdir(argv[1]) != 0)
		return 1;
	mkdir("many", 0755);
	char name[64];
	for (int i = 0; i < N; i++) {
		snprintf(name, sizeof name, "many/entry-%04d.txt", i);
		int fd = open(name, O_CREAT | O_WRONLY, 0644);
		if (fd < 0) {
			printf("create %d failed\n", i);
			return 1;
		}
		close(fd);
	}
	static unsigned char seen[N];
	DIR *d = opendir("many");
	struct dirent *e;
	int total = 0, dots = 0, dup = 0, bad = 0;
	while ((e = readdir(d))) {
		total++;
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) {
			dots++;
			continue;
		}
		int k;
		if (sscanf(e->d_name, "entry-%4d.txt", &k) != 1 || k < 0 || k >= N) {
			bad++;
			continue;
		}
		if (seen[k]++)
			dup++;
	}
	int missing = 0;
	for (int i = 0; i < N; i++)
		missing += !seen[i];
	printf("entries %d dots %d duplicates %d missing %d unexpected %d\n", total, dots, dup, missing, bad);
	rewinddir(d);
	int again = 0;
	while (readdir(d))
		again++;
	printf("after rewinddir %d\n", again);
	rewinddir(d);
	for (int i = 0; i < 500; i++)
		readdir(d);
	long pos = telldir(d);
	e = readdir(d);
	char saved[256];
	snprintf(saved, sizeof saved, "%s", e->d_name);
	for (int i = 0; i < 100; i++)
		readdir(d);
	seekdir(d, pos);
	e = readdir(d);
	printf("seekdir returns to the same entry: %d\n", !strcmp(saved, e->d_name));
	closedir(d);
	int removed = 0;
	for (int i = 0; i < N; i++) {
		snprintf(name, sizeof name, "many/entry-%04d.txt", i);
		removed += unlink(name) == 0;
	}
	d = opendir("many");
	total = 0;
	while (readdir(d))
		total++;
	closedir(d);
	printf("removed %d, left %d, rmdir %d\n", removed, total, rmdir("many"));
	return 0;
}
