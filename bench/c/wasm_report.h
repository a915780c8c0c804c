// What the wasm benchmarks of `make bench` share (bench/src/wasm.rs):
// the monotonic clock and a report line on stderr written without libc's
// stdio, so they make only the WASI calls tools/wasmi-run links
// (clock_time_get, fd_write, proc_exit).
#include <stdint.h>
#include <wasi/api.h>

static uint64_t now(void) {
    __wasi_timestamp_t t = 0;
    return __wasi_clock_time_get(__WASI_CLOCKID_MONOTONIC, 1, &t) == 0 ? t : 0;
}

static char *number(char *p, uint64_t n) {
    char digits[24];
    int len = 0;
    do digits[len++] = (char)('0' + n % 10);
    while ((n /= 10) != 0);
    while (len) *p++ = digits[--len];
    return p;
}

static char *text(char *p, const char *s) {
    while (*s) *p++ = *s++;
    return p;
}

// Prints `bench: NAME: NS ns (COUNT UNIT), checksum SUM` on stderr; 0 if
// it went out.
static int report(const char *name, uint64_t ns, uint64_t count, const char *unit, uint64_t sum) {
    char line[160], *p = line;
    p = text(p, "bench: ");
    p = text(p, name);
    p = text(p, ": ");
    p = number(p, ns);
    p = text(p, " ns (");
    p = number(p, count);
    p = text(p, " ");
    p = text(p, unit);
    p = text(p, "), checksum ");
    p = number(p, sum);
    *p++ = '\n';
    __wasi_ciovec_t iov = {(const uint8_t *)line, (size_t)(p - line)};
    __wasi_size_t written;
    return __wasi_fd_write(2, &iov, 1, &written) == 0 ? 0 : 1;
}
