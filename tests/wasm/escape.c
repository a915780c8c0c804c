// Escape attempts: nothing outside the preopen can be named.
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void try_open(const char *path) {
    int fd = open(path, O_RDONLY);
    printf("open %-28s -> %s\n", path, fd >= 0 ? "opened" : strerror(errno));
    if (fd >= 0) close(fd);
}

int main(void) {
    close(open("/tmp/inside", O_CREAT | O_WRONLY, 0644));
    mkdir("/tmp/sub", 0755);
    try_open("/tmp/inside");
    try_open("/tmp/../etc/motd");
    try_open("/tmp/..");
    try_open("/tmp/sub/../../etc/motd");
    try_open("/tmp/sub/../inside");
    try_open("/tmp/missing/../../x");
    try_open("/etc/motd");
    try_open("/");
    try_open("/wasm/escape.wasm");
    try_open("relative");
    printf("mkdir /tmp/../x -> %s\n", mkdir("/tmp/../x", 0755) == 0 ? "ok" : strerror(errno));
    printf("opendir / -> %s\n", opendir("/") ? "opened" : strerror(errno));
    return 0;
}
