// A runtime without sockets: sock_* on stdout and on a closed fd;
// readlink of a regular file and of a missing one (nothing is a link).
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <wasi/api.h>

int main(void) {
    __wasi_fd_t fd;
    printf("sock_accept stdout errno %u\n", __wasi_sock_accept(1, 0, &fd));
    printf("sock_accept closed errno %u\n", __wasi_sock_accept(99, 0, &fd));
    printf("sock_shutdown stdout errno %u\n", __wasi_sock_shutdown(1, __WASI_SDFLAGS_WR));
    char buf[8];
    __wasi_iovec_t iov = {(uint8_t *)buf, sizeof buf};
    __wasi_size_t n;
    __wasi_roflags_t flags;
    printf("sock_recv stdout errno %u\n", __wasi_sock_recv(1, &iov, 1, 0, &n, &flags));
    __wasi_ciovec_t ciov = {(const uint8_t *)"x", 1};
    printf("sock_send closed errno %u\n", __wasi_sock_send(99, &ciov, 1, 0, &n));
    close(open("/tmp/regular", O_CREAT | O_WRONLY, 0644));
    errno = 0;
    printf("readlink regular: %zd %s\n", readlink("/tmp/regular", buf, sizeof buf), strerror(errno));
    errno = 0;
    printf("readlink missing: %zd %s\n", readlink("/tmp/missing", buf, sizeof buf), strerror(errno));
    return 0;
}
