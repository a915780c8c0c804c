// The CPU-bound wasm benchmark of `make bench` (bench/src/wasm.rs): built
// with clang's wasm32-wasi, run under capOS's wasm-host and under the same
// wasmi on the host (tools/wasmi-run). It times its own work with the
// monotonic clock (so start-up, module loading and boot are not counted)
// and prints `bench: wasm cpu: NS ns (N rounds), checksum C` on stderr
// (wasm_report.h).
// Three kernels: 64x64 matrix multiplication (doubles), a sieve of
// Eratosthenes, and an xorshift/FNV hash loop (integers, memory).
// It makes only the WASI calls wasmi-run links: clock_time_get, fd_write,
// proc_exit.
#include "wasm_report.h"

enum { N = 64, SIEVE = 200000, HASH = 1 << 16, ROUNDS = 5 };

static double a[N][N], b[N][N], c[N][N];
static uint8_t composite[SIEVE];
static uint32_t table[HASH];

static uint64_t matmul(int round) {
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) {
            a[i][j] = (double)((i * 31 + j * 17 + round) % 97) / 97.0;
            b[i][j] = (double)((i * 13 + j * 7 + round) % 89) / 89.0;
        }
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) {
            double sum = 0;
            for (int k = 0; k < N; k++) sum += a[i][k] * b[k][j];
            c[i][j] = sum;
        }
    double trace = 0;
    for (int i = 0; i < N; i++) trace += c[i][i];
    return (uint64_t)(trace * 1000.0);
}

static uint64_t sieve(void) {
    for (int i = 0; i < SIEVE; i++) composite[i] = 0;
    uint64_t count = 0;
    for (int i = 2; i < SIEVE; i++) {
        if (composite[i]) continue;
        count++;
        for (int j = i * 2; j < SIEVE; j += i) composite[j] = 1;
    }
    return count;
}

static uint64_t hash(int round) {
    uint32_t x = 2463534242u + (uint32_t)round;
    uint64_t h = 1469598103934665603ull;
    for (int i = 0; i < 1 << 20; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        uint32_t slot = x & (HASH - 1);
        table[slot] += x;
        h = (h ^ table[slot]) * 1099511628211ull;
    }
    return h;
}

int main(void) {
    uint64_t checksum = 0;
    uint64_t start = now();
    for (int round = 0; round < ROUNDS; round++) checksum += matmul(round) + sieve() + hash(round);
    uint64_t elapsed = now() - start;
    return report("wasm cpu", elapsed, ROUNDS, "rounds", checksum);
}
