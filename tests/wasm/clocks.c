// Clocks: the monotonic clock never goes back, sleeps last at least as
// long as asked, realtime is after 2020, resolutions are positive.
#include <stdio.h>
#include <time.h>
#include <unistd.h>

static long long ns(clockid_t id) {
    struct timespec t;
    clock_gettime(id, &t);
    return t.tv_sec * 1000000000LL + t.tv_nsec;
}

int main(void) {
    long long prev = ns(CLOCK_MONOTONIC), backwards = 0;
    for (int i = 0; i < 2000; i++) {
        long long now = ns(CLOCK_MONOTONIC);
        if (now < prev) backwards++;
        prev = now;
    }
    printf("monotonic went back %lld times\n", backwards);
    struct timespec res;
    printf("res realtime positive: %d\n", clock_getres(CLOCK_REALTIME, &res) == 0 && (res.tv_sec > 0 || res.tv_nsec > 0));
    printf("res monotonic positive: %d\n", clock_getres(CLOCK_MONOTONIC, &res) == 0 && (res.tv_sec > 0 || res.tv_nsec > 0));
    printf("realtime after 2020: %d\n", ns(CLOCK_REALTIME) > 1577836800LL * 1000000000LL);
    printf("time() after 2020: %d\n", time(NULL) > 1577836800);
    long long start = ns(CLOCK_MONOTONIC);
    struct timespec req = {0, 30 * 1000000};
    nanosleep(&req, NULL);
    long long slept = ns(CLOCK_MONOTONIC) - start;
    printf("nanosleep 30 ms lasted at least 30 ms: %d\n", slept >= 30000000LL);
    start = ns(CLOCK_MONOTONIC);
    usleep(20000);
    printf("usleep 20 ms lasted at least 20 ms: %d\n", ns(CLOCK_MONOTONIC) - start >= 20000000LL);
    long long cpu = ns(CLOCK_PROCESS_CPUTIME_ID);
    printf("process cpu time readable: %d\n", cpu >= 0);
    return 0;
}
