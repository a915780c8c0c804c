// mkdir, rmdir, rename, unlink and their errors.
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define TRY(call) printf("%-40s -> %s\n", #call, (call) == 0 ? "ok" : strerror(errno))

static void touch(const char *path) { close(open(path, O_CREAT | O_WRONLY, 0644)); }

int main(void) {
    TRY(mkdir("/tmp/d", 0755));
    TRY(mkdir("/tmp/d", 0755));
    TRY(mkdir("/tmp/d/e/f", 0755));
    TRY(mkdir("/tmp/d/e", 0755));
    touch("/tmp/d/e/file");
    TRY(rmdir("/tmp/d/e"));
    TRY(rmdir("/tmp/d/e/file"));
    TRY(unlink("/tmp/d/e"));
    TRY(rename("/tmp/d/e/file", "/tmp/d/moved"));
    TRY(access("/tmp/d/moved", F_OK));
    TRY(access("/tmp/d/e/file", F_OK));
    TRY(rmdir("/tmp/d/e"));
    TRY(rename("/tmp/d", "/tmp/renamed"));
    TRY(access("/tmp/renamed/moved", F_OK));
    TRY(unlink("/tmp/renamed/moved"));
    TRY(unlink("/tmp/renamed/moved"));
    TRY(rmdir("/tmp/renamed"));
    TRY(rmdir("/tmp/renamed"));
    touch("/tmp/plain");
    TRY(mkdir("/tmp/plain/sub", 0755));
    TRY(open("/tmp/plain/x", O_RDONLY) < 0 ? -1 : 0);
    TRY(open("/tmp/plain", O_RDONLY | O_DIRECTORY) < 0 ? -1 : 0);
    return 0;
}
