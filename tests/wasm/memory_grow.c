// Memory growth: allocate 24 MiB in 1 MiB blocks, touch every page,
// check the contents, free, then a failed huge allocation.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(void) {
    enum { BLOCKS = 24, SIZE = 1 << 20 };
    unsigned char *blocks[BLOCKS];
    for (int i = 0; i < BLOCKS; i++) {
        blocks[i] = malloc(SIZE);
        if (!blocks[i]) {
            printf("malloc %d failed\n", i);
            return 1;
        }
        memset(blocks[i], i + 1, SIZE);
    }
    unsigned long sum = 0;
    for (int i = 0; i < BLOCKS; i++)
        for (int j = 0; j < SIZE; j += 4096) sum += blocks[i][j];
    printf("sum %lu\n", sum);
    printf("memory pages at least %d: %d\n", BLOCKS * 16, (int)__builtin_wasm_memory_size(0) >= BLOCKS * 16);
    for (int i = 0; i < BLOCKS; i++) free(blocks[i]);
    void *huge = malloc((size_t)3 << 30);
    printf("3 GiB malloc: %s\n", huge ? "succeeded" : "NULL");
    return 0;
}
