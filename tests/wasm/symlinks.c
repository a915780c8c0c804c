// Symbolic links through WASI: path_symlink (symlink, relative targets
// only: an absolute one is refused by the reference's sandbox), path_readlink
// (readlink, cut to the buffer), path_filestat_get with and without
// LOOKUP_SYMLINK_FOLLOW (stat, lstat), path_open through a link, with
// O_NOFOLLOW (ELOOP), a dangling link, a loop (ELOOP), unlink and rename of a
// link, and a directory reached through one.
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define TRY(call) printf("%-52s -> %s\n", #call, (call) == 0 ? "ok" : strerror(errno))

static void show_link(const char *path) {
    char buf[64];
    errno = 0;
    ssize_t n = readlink(path, buf, sizeof buf);
    if (n < 0) {
        printf("readlink %s: %s\n", path, strerror(errno));
        return;
    }
    printf("readlink %s: \"%.*s\" (%zd)\n", path, (int)n, buf, n);
}

static void show_stat(const char *path) {
    struct stat st;
    errno = 0;
    int r = stat(path, &st);
    printf("stat %s: %s", path, r == 0 ? "" : strerror(errno));
    // (A directory's size is the host file system's on the reference
    // side: not compared.)
    if (r == 0 && S_ISREG(st.st_mode)) printf("file size %lld", (long long)st.st_size);
    if (r == 0 && !S_ISREG(st.st_mode)) printf("%s", S_ISDIR(st.st_mode) ? "dir" : "other");
    errno = 0;
    r = lstat(path, &st);
    printf("; lstat: %s", r == 0 ? "" : strerror(errno));
    if (r == 0) printf("%s", S_ISLNK(st.st_mode) ? "link" : S_ISREG(st.st_mode) ? "file" : S_ISDIR(st.st_mode) ? "dir" : "other");
    printf("\n");
}

static void cat(const char *path, int flags) {
    errno = 0;
    int fd = open(path, O_RDONLY | flags);
    if (fd < 0) {
        printf("open %s%s: %s\n", path, flags ? " (nofollow)" : "", strerror(errno));
        return;
    }
    char buf[64];
    ssize_t n = read(fd, buf, sizeof buf);
    printf("open %s%s: \"%.*s\"\n", path, flags ? " (nofollow)" : "", n > 0 ? (int)n : 0, buf);
    close(fd);
}

int main(void) {
    mkdir("/tmp/sl", 0755);
    int fd = open("/tmp/sl/file", O_CREAT | O_WRONLY | O_TRUNC, 0644);
    if (write(fd, "contents", 8) != 8) printf("write failed\n");
    close(fd);
    mkdir("/tmp/sl/dir", 0755);
    fd = open("/tmp/sl/dir/inner", O_CREAT | O_WRONLY | O_TRUNC, 0644);
    if (write(fd, "inner", 5) != 5) printf("write failed\n");
    close(fd);

    TRY(symlink("file", "/tmp/sl/to_file"));
    TRY(symlink("dir", "/tmp/sl/to_dir"));
    TRY(symlink("nowhere", "/tmp/sl/dangling"));
    TRY(symlink("loop_b", "/tmp/sl/loop_a"));
    TRY(symlink("loop_a", "/tmp/sl/loop_b"));
    TRY(symlink("file", "/tmp/sl/file"));
    TRY(symlink("to_file", "/tmp/sl/chain"));

    show_link("/tmp/sl/to_file");
    show_link("/tmp/sl/chain");
    show_link("/tmp/sl/file");
    show_link("/tmp/sl/missing");
    char small[3];
    ssize_t n = readlink("/tmp/sl/dangling", small, sizeof small);
    printf("readlink into 3 bytes: %zd \"%.*s\"\n", n, n > 0 ? (int)n : 0, small);

    show_stat("/tmp/sl/to_file");
    show_stat("/tmp/sl/chain");
    show_stat("/tmp/sl/to_dir");
    show_stat("/tmp/sl/dangling");
    show_stat("/tmp/sl/loop_a");

    cat("/tmp/sl/to_file", 0);
    cat("/tmp/sl/chain", 0);
    cat("/tmp/sl/to_dir/inner", 0);
    cat("/tmp/sl/to_file", O_NOFOLLOW);
    cat("/tmp/sl/dangling", 0);
    cat("/tmp/sl/loop_a", 0);

    TRY(rename("/tmp/sl/to_file", "/tmp/sl/moved"));
    show_link("/tmp/sl/moved");
    cat("/tmp/sl/moved", 0);
    TRY(unlink("/tmp/sl/moved"));
    show_stat("/tmp/sl/moved");
    show_stat("/tmp/sl/file");
    TRY(unlink("/tmp/sl/chain"));
    TRY(unlink("/tmp/sl/dangling"));
    TRY(unlink("/tmp/sl/loop_a"));
    TRY(unlink("/tmp/sl/loop_b"));
    TRY(unlink("/tmp/sl/to_dir"));
    TRY(unlink("/tmp/sl/dir/inner"));
    TRY(rmdir("/tmp/sl/dir"));
    TRY(unlink("/tmp/sl/file"));
    TRY(rmdir("/tmp/sl"));
    return 0;
}
