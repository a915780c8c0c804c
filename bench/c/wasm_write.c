// The WASI-call-heavy wasm benchmark of `make bench` (bench/src/wasm.rs):
// 100 000 one-byte `fd_write`s to standard output, which the bench points
// at /dev/null (`> /dev/null` in capOS's dash; the host runner's stdout
// opened on /dev/null), timed with the monotonic clock. Prints
// `bench: wasm write: NS ns (100000 writes), checksum BYTES` on stderr.
#include "wasm_report.h"

enum { WRITES = 100000 };

int main(void) {
    static const uint8_t byte = 'x';
    __wasi_ciovec_t iov = {&byte, 1};
    uint64_t total = 0;
    uint64_t start = now();
    for (int i = 0; i < WRITES; i++) {
        __wasi_size_t written = 0;
        if (__wasi_fd_write(1, &iov, 1, &written) != 0) return 2;
        total += written;
    }
    uint64_t elapsed = now() - start;
    return report("wasm write", elapsed, WRITES, "writes", total);
}
