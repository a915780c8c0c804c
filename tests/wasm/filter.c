// A filter for the pipeline scripts (tests/wasm/*.sh): `filter gen N`
// prints N numbered lines; `filter upper` copies standard input to
// standard output in capitals; `filter count` prints how many lines and
// bytes came on standard input. Each reports on standard error what it
// did, and `filter fail N` exits with N after writing to both. Alone (no
// arguments, empty input) it counts.
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv) {
    const char *mode = argc > 1 ? argv[1] : "count";
    if (strcmp(mode, "gen") == 0) {
        int n = argc > 2 ? atoi(argv[2]) : 3;
        for (int i = 1; i <= n; i++) printf("line %d of %d\n", i, n);
        fprintf(stderr, "filter: generated %d lines\n", n);
        return 0;
    }
    if (strcmp(mode, "fail") == 0) {
        printf("filter: failing on purpose\n");
        fflush(stdout);
        fprintf(stderr, "filter: exit %s\n", argc > 2 ? argv[2] : "1");
        return argc > 2 ? atoi(argv[2]) : 1;
    }
    int upper = strcmp(mode, "upper") == 0;
    long lines = 0, bytes = 0;
    int c;
    while ((c = getchar()) != EOF) {
        bytes++;
        if (c == '\n') lines++;
        if (upper) putchar(toupper(c));
    }
    if (!upper) printf("%ld lines, %ld bytes\n", lines, bytes);
    fprintf(stderr, "filter: %s saw %ld lines\n", mode, lines);
    // Standard output written through the raw fd too (not only stdio).
    if (argc > 2 && strcmp(argv[2], "raw") == 0) {
        const char msg[] = "raw write to fd 1\n";
        if (write(1, msg, sizeof msg - 1) != (ssize_t)(sizeof msg - 1)) return 3;
    }
    return 0;
}
