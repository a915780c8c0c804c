/* A tree of directories and files made, listed with readdir (sorted, so the
 * order does not matter), walked recursively, and removed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/stat.h>

static int cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void walk(const char *path, int depth)
{
	DIR *d = opendir(path);
	if (!d) {
		perror(path);
		return;
	}
	char *names[512];
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d)) && n < 512)
		names[n++] = strdup(e->d_name);
	closedir(d);
	qsort(names, n, sizeof *names, cmp);
	for (int i = 0; i < n; i++) {
		char child[1024];
		snprintf(child, sizeof child, "%s/%s", path, names[i]);
		struct stat st;
		if (stat(child, &st) != 0) {
			perror(child);
			continue;
		}
		printf("%*s%s%s", depth * 2, "", names[i], S_ISDIR(st.st_mode) ? "/" : "");
		if (S_ISREG(st.st_mode))
			printf(" (%lld bytes)", (long long)st.st_size);
		printf("\n");
		if (S_ISDIR(st.st_mode) && strcmp(names[i], ".") && strcmp(names[i], ".."))
			walk(child, depth + 1);
		free(names[i]);
	}
}

static void rm_tree(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		char child[1024];
		snprintf(child, sizeof child, "%s/%s", path, e->d_name);
		struct stat st;
		stat(child, &st);
		if (S_ISDIR(st.st_mode))
			rm_tree(child);
		else
			unlink(child);
	}
	closedir(d);
	if (rmdir(path) != 0)
		perror(path);
}

int main(int argc, char **argv)
{
	if (argc < 2 || chdir(argv[1]) != 0)
		return 1;
	mkdir("tree", 0755);
	for (int i = 0; i < 5; i++) {
		char dir[64];
		snprintf(dir, sizeof dir, "tree/dir%d", i);
		mkdir(dir, 0755);
		for (int j = 0; j <= i * 3; j++) {
			char file[128];
			snprintf(file, sizeof file, "%s/f%02d.txt", dir, j);
			FILE *f = fopen(file, "w");
			for (int k = 0; k < j; k++)
				fprintf(f, "%d\n", k);
			fclose(f);
		}
	}
	mkdir("tree/dir4/sub", 0755);
	mkdir("tree/dir4/sub/subsub", 0755);
	FILE *f = fopen("tree/dir4/sub/subsub/deep", "w");
	fputs("deep\n", f);
	fclose(f);
	/* many entries in one directory */
	mkdir("tree/many", 0755);
	for (int i = 0; i < 300; i++) {
		char file[128];
		snprintf(file, sizeof file, "tree/many/entry-with-a-longer-name-%04d", i);
		close(open(file, O_CREAT | O_WRONLY, 0644));
	}
	walk("tree", 0);
	rm_tree("tree");
	printf("removed: %s\n", access("tree", F_OK) ? "yes" : "no");
	return 0;
}
