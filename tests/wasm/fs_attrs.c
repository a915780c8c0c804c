// Hard links and times through WASI: path_link (link, linkat) with its
// errors, nlink and one inode under two names, path_filestat_set_times
// (utimensat: given times, UTIME_OMIT) and fd_filestat_set_times
// (futimens); mtime moving on a write. Prints relations and given times,
// never the current time. "Now" (a null `times`, UTIME_NOW) is left out:
// the wasmtime of the reference side sets a null `times` to 0 and refuses
// UTIME_NOW with EINVAL.
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define TRY(call) printf("%-58s -> %s\n", #call, (call) == 0 ? "ok" : strerror(errno))

static struct stat st_of(const char *path) {
    struct stat st;
    memset(&st, 0, sizeof st);
    if (stat(path, &st) != 0) printf("stat %s: %s\n", path, strerror(errno));
    return st;
}

int main(void) {
    int fd = open("/tmp/a", O_CREAT | O_WRONLY | O_TRUNC, 0644);
    if (write(fd, "shared\n", 7) != 7) printf("write failed\n");
    close(fd);
    mkdir("/tmp/d", 0755);
    TRY(link("/tmp/a", "/tmp/d/b"));
    struct stat a = st_of("/tmp/a"), b = st_of("/tmp/d/b");
    printf("nlink %d %d, same inode: %s\n", (int)a.st_nlink, (int)b.st_nlink, a.st_ino == b.st_ino ? "yes" : "no");
    TRY(link("/tmp/a", "/tmp/d/b"));
    TRY(link("/tmp/missing", "/tmp/x"));
    TRY(link("/tmp/a", "/tmp/nodir/x"));
    TRY(link("/tmp/d", "/tmp/d2"));
    TRY(unlink("/tmp/a"));
    printf("nlink after unlink: %d, size %lld\n", (int)st_of("/tmp/d/b").st_nlink, (long long)st_of("/tmp/d/b").st_size);

    struct timespec set[2] = {{1000, 0}, {2000, 500}};
    TRY(utimensat(AT_FDCWD, "/tmp/d/b", set, 0));
    struct stat s = st_of("/tmp/d/b");
    printf("atime %lld.%09ld mtime %lld.%09ld\n", (long long)s.st_atim.tv_sec, s.st_atim.tv_nsec,
           (long long)s.st_mtim.tv_sec, s.st_mtim.tv_nsec);
    struct timespec omit_a[2] = {{0, UTIME_OMIT}, {2500, 0}};
    TRY(utimensat(AT_FDCWD, "/tmp/d/b", omit_a, 0));
    s = st_of("/tmp/d/b");
    printf("atime kept: %s, mtime %lld\n", s.st_atim.tv_sec == 1000 ? "yes" : "no", (long long)s.st_mtim.tv_sec);
    TRY(utimensat(AT_FDCWD, "/tmp/missing", set, 0));
    fd = open("/tmp/d/b", O_WRONLY | O_APPEND);
    struct timespec old[2] = {{3000, 0}, {3000, 0}};
    TRY(futimens(fd, old));
    s = st_of("/tmp/d/b");
    printf("futimens: %lld %lld\n", (long long)s.st_atim.tv_sec, (long long)s.st_mtim.tv_sec);
    if (write(fd, "more\n", 5) != 5) printf("write failed\n");
    s = st_of("/tmp/d/b");
    printf("mtime advanced after write: %s\n", s.st_mtim.tv_sec > 3000 ? "yes" : "no");
    close(fd);
    return 0;
}
