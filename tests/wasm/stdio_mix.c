// stdout and stderr interleaved with flushes, and a large output.
#include <stdio.h>
#include <unistd.h>

int main(void) {
    fprintf(stdout, "to stdout\n");
    fflush(stdout);
    fprintf(stderr, "to stderr\n");
    write(1, "raw write 1\n", 12);
    write(2, "raw write 2\n", 12);
    for (int i = 0; i < 2000; i++) printf("line %04d: the quick brown fox jumps over the lazy dog\n", i);
    fprintf(stderr, "end\n");
    return 0;
}
