// stdout through printf and puts, and the arguments.
#include <stdio.h>

int main(int argc, char **argv) {
    printf("hello from wasm32-wasi, %d arguments\n", argc);
    for (int i = 0; i < argc; i++) printf("argv[%d] = \"%s\"\n", i, argv[i]);
    puts("done");
    return 0;
}
