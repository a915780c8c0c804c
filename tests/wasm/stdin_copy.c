// Standard input to standard output, counting lines and bytes.
#include <stdio.h>

int main(void) {
    char line[256];
    int lines = 0;
    long bytes = 0;
    while (fgets(line, sizeof line, stdin)) {
        lines++;
        for (char *p = line; *p; p++) bytes++;
        printf("> %s", line);
    }
    printf("%d lines, %ld bytes, eof=%d\n", lines, bytes, feof(stdin) != 0);
    return 0;
}
