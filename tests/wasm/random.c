// random_get: two draws differ and are not all zero; arc4random works.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(void) {
    unsigned char a[64], b[64], zero[64] = {0};
    printf("getentropy: %d %d\n", getentropy(a, sizeof a), getentropy(b, sizeof b));
    printf("draws differ: %d\n", memcmp(a, b, sizeof a) != 0);
    printf("not all zero: %d\n", memcmp(a, zero, sizeof a) != 0);
    unsigned char big[256];
    printf("getentropy 256: %d\n", getentropy(big, sizeof big));
    unsigned x = arc4random(), y = arc4random();
    printf("arc4random differ: %d\n", x != y);
    printf("uniform below 10: %d\n", arc4random_uniform(10) < 10);
    return 0;
}
