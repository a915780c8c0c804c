// A wasm payload of systems/wasm.cue (scenario `wasm-payload`): grows its
// linear memory in 1 MiB steps with no --max-memory, until memory.grow
// returns -1 because wasm-host's process has no more memory to give (its
// service's memoryLimit). The module goes on: malloc of a small block and
// output still work, and it exits 0.
#include <stdio.h>
#include <stdlib.h>

int main(void) {
    long pages = (long)__builtin_wasm_memory_size(0);
    while (pages < 65536) {
        long old = (long)__builtin_wasm_memory_grow(0, 16);
        if (old == -1) break;
        pages += 16;
    }
    printf("starve: memory.grow returned -1 at %ld MiB\n", pages / 16);
    void *small = malloc(1000);
    printf("starve: after that a 1000-byte malloc %s\n", small ? "works" : "fails");
    return pages < 65536 && small ? 0 : 1;
}
