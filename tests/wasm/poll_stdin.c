// poll() on standard input with a timeout (poll_oneoff with an fd_read
// and a clock subscription): whether input came first or the timeout,
// then what the input was. Run by pipeline_poll.sh with stdin a pipe that
// gets its data only later (or at once, or never before its end).
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv) {
    int timeout = argc > 1 ? atoi(argv[1]) : 1000;
    struct pollfd p = {.fd = 0, .events = POLLIN};
    int r = poll(&p, 1, timeout);
    if (r < 0) {
        perror("poll");
        return 1;
    }
    printf("%s\n", r == 0 ? "timeout first" : (p.revents & POLLIN) ? "input first" : "something else");
    char buf[256];
    ssize_t n, total = 0;
    while ((n = read(0, buf, sizeof buf)) > 0) {
        fwrite(buf, 1, (size_t)n, stdout);
        total += n;
    }
    printf("%zd bytes, read status %zd\n", total, n);
    return 0;
}
