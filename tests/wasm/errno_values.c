// errno of common failures, and their numbers (WASI's errno through
// wasi-libc).
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SHOW(what, call)                                               \
    do {                                                               \
        errno = 0;                                                     \
        long r = (long)(call);                                         \
        printf("%-32s = %ld errno %d (%s)\n", what, r, errno, strerror(errno)); \
    } while (0)

int main(void) {
    char buf[8];
    close(open("/tmp/file", O_CREAT | O_WRONLY, 0644));
    mkdir("/tmp/dir", 0755);
    SHOW("open missing", open("/tmp/none", O_RDONLY));
    SHOW("open O_EXCL existing", open("/tmp/file", O_CREAT | O_EXCL | O_WRONLY, 0644));
    SHOW("close bad fd", close(77));
    SHOW("read bad fd", read(77, buf, 1));
    int ro = open("/tmp/file", O_RDONLY);
    SHOW("write read-only fd", write(ro, "x", 1));
    close(ro);
    int wo = open("/tmp/file", O_WRONLY);
    SHOW("read write-only fd", read(wo, buf, 1));
    close(wo);
    SHOW("open dir for writing", open("/tmp/dir", O_WRONLY));
    SHOW("rmdir a file", rmdir("/tmp/file"));
    SHOW("unlink a directory", unlink("/tmp/dir"));
    SHOW("open through a file", open("/tmp/file/x", O_RDONLY));
    SHOW("mkdir existing", mkdir("/tmp/dir", 0755));
    SHOW("rename missing", rename("/tmp/none", "/tmp/other"));
    int created = open("/tmp/created", O_CREAT | O_RDONLY, 0644);
    SHOW("open O_CREAT|O_RDONLY new file", created >= 0);
    SHOW("access it", access("/tmp/created", F_OK));
    return 0;
}
