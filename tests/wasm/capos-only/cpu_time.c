// WASI's CPU-time clocks (CLOCK_PROCESS_CPUTIME_ID, CLOCK_THREAD_CPUTIME_ID
// through wasi-libc) under capOS's wasm-host: they advance while the
// module computes and hardly while it sleeps, and never go back. wasmtime
// answers EBADF for both, so this checks itself (exit 0 when every check
// holds) instead of being compared. (wasi-libc's clock() needs its
// emulated-clocks library, so it is not used.)
#include <stdio.h>
#include <time.h>

static long long ns(clockid_t id) {
    struct timespec t;
    if (clock_gettime(id, &t) != 0) return -1;
    return t.tv_sec * 1000000000LL + t.tv_nsec;
}

static volatile unsigned long sink;

// Computes until `id` advanced by `amount` ns (or 60 s of monotonic time
// went by); returns whether it did.
static int burn(clockid_t id, long long amount) {
    long long start = ns(id), wall = ns(CLOCK_MONOTONIC);
    while (ns(id) - start < amount) {
        for (int i = 0; i < 10000; i++) sink = sink * 31 + (unsigned long)i;
        if (ns(CLOCK_MONOTONIC) - wall > 60000000000LL) return 0;
    }
    return 1;
}

static int failures;

static void check(const char *what, int ok) {
    printf("%s: %s\n", ok ? "ok" : "FAIL", what);
    failures += !ok;
}

int main(void) {
    struct timespec res;
    check("clock_getres of the process clock", clock_getres(CLOCK_PROCESS_CPUTIME_ID, &res) == 0);
    check("clock_getres of the thread clock", clock_getres(CLOCK_THREAD_CPUTIME_ID, &res) == 0);
    // The monotonic interval encloses the CPU-time one: read first, read
    // last (the `check` lines in between print, which takes CPU time).
    long long wall = ns(CLOCK_MONOTONIC);
    long long p0 = ns(CLOCK_PROCESS_CPUTIME_ID), t0 = ns(CLOCK_THREAD_CPUTIME_ID);
    check("both clocks readable", p0 >= 0 && t0 >= 0);
    check("the process clock advances 200 ms while computing", burn(CLOCK_PROCESS_CPUTIME_ID, 200000000));
    check("the thread clock advances 100 ms while computing", burn(CLOCK_THREAD_CPUTIME_ID, 100000000));
    long long cpu = ns(CLOCK_PROCESS_CPUTIME_ID) - p0;
    long long elapsed = ns(CLOCK_MONOTONIC) - wall;
    check("CPU time is not ahead of the monotonic clock", cpu <= elapsed + 1000000);
    if (cpu > elapsed + 1000000) printf("  %lld ns of CPU time in %lld ns\n", cpu, elapsed);
    long long prev = ns(CLOCK_PROCESS_CPUTIME_ID), back = 0;
    for (int i = 0; i < 2000; i++) {
        long long now = ns(CLOCK_PROCESS_CPUTIME_ID);
        back += now < prev;
        prev = now;
    }
    check("the process clock never goes back", back == 0);
    long long before = ns(CLOCK_PROCESS_CPUTIME_ID);
    struct timespec nap = {0, 300000000};
    nanosleep(&nap, NULL);
    check("a 300 ms sleep uses under 100 ms of CPU", ns(CLOCK_PROCESS_CPUTIME_ID) - before < 100000000);
    return failures == 0 ? 0 : 1;
}
