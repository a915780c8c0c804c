// --fuel with enough for the whole run: a bounded computation (primes
// below 30000 by trial division) finishes with the same output under
// both runtimes. Fuel units differ between wasmtime and wasmi (docs/wasi.md),
// so the amount is far above what either needs.
#include <stdio.h>

int main(void) {
    int count = 0;
    long sum = 0;
    for (int n = 2; n < 30000; n++) {
        int prime = 1;
        for (int d = 2; d * d <= n; d++)
            if (n % d == 0) {
                prime = 0;
                break;
            }
        if (prime) {
            count++;
            sum += n;
        }
    }
    printf("%d primes below 30000, sum %ld\n", count, sum);
    return 0;
}
