// fd_readdir directly: a buffer too small for all entries (the last one
// cut), resuming from each entry's cookie, names in order after sorting.
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <wasi/api.h>

static int cmp(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

int main(void) {
    mkdir("/tmp/d", 0755);
    for (int i = 0; i < 40; i++) {
        char path[64];
        snprintf(path, sizeof path, "/tmp/d/entry-%02d", i);
        close(open(path, O_CREAT | O_WRONLY, 0644));
    }
    int dir = open("/tmp/d", O_RDONLY | O_DIRECTORY);
    __wasi_dircookie_t cookie = 0;
    char *names[64];
    int count = 0, calls = 0, full = 0;
    for (;;) {
        uint8_t buf[100];
        __wasi_size_t used;
        __wasi_errno_t e = __wasi_fd_readdir(dir, buf, sizeof buf, cookie, &used);
        calls++;
        if (e) {
            printf("fd_readdir errno %u\n", e);
            return 1;
        }
        if (used == sizeof buf) full++;
        size_t at = 0, whole = 0;
        while (at + sizeof(__wasi_dirent_t) <= used) {
            __wasi_dirent_t d;
            memcpy(&d, buf + at, sizeof d);
            if (at + sizeof d + d.d_namlen > used) break;  // cut short: resume from it
            names[count++] = strndup((char *)buf + at + sizeof d, d.d_namlen);
            cookie = d.d_next;
            at += sizeof d + d.d_namlen;
            whole++;
        }
        if (used < sizeof buf) break;
        if (whole == 0) {
            printf("an entry larger than the buffer\n");
            return 1;
        }
    }
    qsort(names, count, sizeof *names, cmp);
    printf("%d entries in %s calls, full buffers: %s\n", count, calls > 10 ? "many" : "few", full > 5 ? "many" : "few");
    for (int i = 0; i < count; i++) printf("%s\n", names[i]);
    return 0;
}
