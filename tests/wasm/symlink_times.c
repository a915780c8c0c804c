// A symbolic link's own times (path_filestat_set_times without
// LOOKUP_SYMLINK_FOLLOW, wasi-libc's utimensat with AT_SYMLINK_NOFOLLOW)
// change the link, not its file; with the flag the file changes.
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void show(const char *what, const char *path, int follow) {
    struct stat st;
    int r = follow ? stat(path, &st) : lstat(path, &st);
    if (r != 0) {
        printf("%s: %s\n", what, strerror(errno));
        return;
    }
    printf("%s: mtime %lld.%09ld\n", what, (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
}

int main(void) {
    int fd = open("/tmp/file", O_CREAT | O_WRONLY, 0644);
    if (fd < 0 || write(fd, "x", 1) != 1 || close(fd) != 0) return 1;
    if (symlink("file", "/tmp/link") != 0) return 2;
    struct timespec file_times[2] = {{1000000000, 0}, {1100000000, 5}};
    printf("file: %d\n", utimensat(AT_FDCWD, "/tmp/file", file_times, 0));
    struct timespec link_times[2] = {{1200000000, 0}, {1300000000, 7}};
    printf("link nofollow: %d\n", utimensat(AT_FDCWD, "/tmp/link", link_times, AT_SYMLINK_NOFOLLOW));
    show("link itself", "/tmp/link", 0);
    show("file", "/tmp/file", 1);
    struct timespec through[2] = {{1400000000, 0}, {1500000000, 9}};
    printf("through the link: %d\n", utimensat(AT_FDCWD, "/tmp/link", through, 0));
    show("link itself", "/tmp/link", 0);
    show("file", "/tmp/file", 1);
    return 0;
}
