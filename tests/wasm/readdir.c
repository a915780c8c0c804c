// Directory listings: many entries (several fd_readdir calls), sorted
// here (hosts list in different orders), kinds, rewinddir, an empty
// directory.
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int cmp(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static int list(const char *path, int show) {
    DIR *d = opendir(path);
    if (!d) {
        perror(path);
        return -1;
    }
    char *names[400];
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) && n < 400) {
        char buf[300];
        snprintf(buf, sizeof buf, "%s%s", e->d_name, e->d_type == DT_DIR ? "/" : "");
        names[n++] = strdup(buf);
    }
    qsort(names, n, sizeof *names, cmp);
    if (show)
        for (int i = 0; i < n; i++) printf("%s %s\n", path, names[i]);
    for (int i = 0; i < n; i++) free(names[i]);
    rewinddir(d);
    int again = 0;
    while (readdir(d)) again++;
    closedir(d);
    printf("%s: %d entries, %d after rewind\n", path, n, again);
    return n;
}

int main(void) {
    mkdir("/tmp/many", 0755);
    mkdir("/tmp/many/subdir", 0755);
    mkdir("/tmp/empty", 0755);
    for (int i = 0; i < 150; i++) {
        char path[64];
        snprintf(path, sizeof path, "/tmp/many/file-with-a-longish-name-%03d.txt", i);
        FILE *f = fopen(path, "w");
        fprintf(f, "%d\n", i);
        fclose(f);
    }
    list("/tmp/many", 0);
    list("/tmp/empty", 1);
    list("/tmp", 1);
    return 0;
}
