// poll() with only a timeout sleeps (poll_oneoff's clock subscription);
// poll on stdout reports it writable.
#include <poll.h>
#include <stdio.h>
#include <time.h>

static long long ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000LL + t.tv_nsec / 1000000;
}

int main(void) {
    long long start = ms();
    int r = poll(NULL, 0, 50);
    printf("poll timeout: %d, waited at least 50 ms: %d\n", r, ms() - start >= 50);
    struct pollfd p = {.fd = 1, .events = POLLOUT};
    r = poll(&p, 1, 1000);
    printf("poll stdout: %d, POLLOUT %d\n", r, (p.revents & POLLOUT) != 0);
    return 0;
}
