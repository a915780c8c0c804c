// A wasm payload of systems/wasm.cue (scenario `wasm-payload`): grows its
// linear memory to MIB mebibytes (argv[1]) in 1 MiB steps of memory.grow,
// writes a word into every 64 KiB page and checks them all, then asks for
// one page more, which --max-memory refuses (-1). Exits 0 when every step
// did what it should, 1 otherwise.
#include <stdio.h>
#include <stdlib.h>

enum { PAGE = 65536, STEP = 16 };

int main(int argc, char **argv) {
    long target = argc > 1 ? atol(argv[1]) * 16 : 4096;
    long start = (long)__builtin_wasm_memory_size(0);
    long pages = start;
    while (pages < target) {
        long delta = target - pages < STEP ? target - pages : STEP;
        long old = (long)__builtin_wasm_memory_grow(0, delta);
        if (old != pages) {
            printf("grow: memory.grow(%ld) at %ld pages returned %ld\n", delta, pages, old);
            return 1;
        }
        for (long p = pages; p < pages + delta; p++) *(volatile long *)(p * PAGE) = p;
        pages += delta;
    }
    long bad = 0;
    for (long p = start; p < pages; p++)
        if (*(volatile long *)(p * PAGE) != p) bad++;
    printf("grow: %ld pages (%ld MiB), %ld pages wrong\n", pages, pages / 16, bad);
    long more = (long)__builtin_wasm_memory_grow(0, 1);
    printf("grow: one page more returned %ld, size %ld pages\n", more, (long)__builtin_wasm_memory_size(0));
    return bad == 0 && more == -1 ? 0 : 1;
}
