/* A directory whose listing is several times one file-service reply
 * (3 000 names of 45 bytes): readdir sees every entry once; telldir and
 * seekdir resume; rewinddir starts again. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#define N 3000

static int cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv)
{
	if (argc < 2 || chdir(argv[1]) != 0 || mkdir("big", 0755) != 0)
		return 1;
	char name[128];
	for (int i = 0; i < N; i++) {
		snprintf(name, sizeof name, "big/a-rather-long-file-name-to-fill-pages-%04d", i);
		int fd = open(name, O_CREAT | O_WRONLY, 0644);
		if (fd < 0) {
			perror(name);
			return 1;
		}
		close(fd);
	}
	DIR *d = opendir("big");
	char **seen = malloc((N + 2) * sizeof *seen);
	int n = 0;
	long mark = -1;
	char at_mark[128] = "";
	struct dirent *e;
	while ((e = readdir(d)) && n < N + 2) {
		seen[n++] = strdup(e->d_name);
		if (n == 1500) {
			mark = telldir(d);
			e = readdir(d);
			snprintf(at_mark, sizeof at_mark, "%s", e ? e->d_name : "");
			seekdir(d, mark);
		}
	}
	qsort(seen, n, sizeof *seen, cmp);
	int dups = 0;
	for (int i = 1; i < n; i++)
		dups += !strcmp(seen[i - 1], seen[i]);
	printf("entries %d (with . and ..), duplicates %d\n", n, dups);
	printf("first %s, last %s\n", seen[2], seen[n - 1]);
	seekdir(d, mark);
	e = readdir(d);
	printf("seekdir back to the mark: same entry %d\n", e && !strcmp(e->d_name, at_mark));
	rewinddir(d);
	int again = 0;
	while (readdir(d))
		again++;
	printf("after rewinddir %d\n", again);
	closedir(d);
	for (int i = 0; i < N; i++) {
		snprintf(name, sizeof name, "big/a-rather-long-file-name-to-fill-pages-%04d", i);
		unlink(name);
	}
	printf("rmdir %d\n", rmdir("big"));
	return 0;
}
