// The environment (--env) and getenv; the arguments' sizes.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern char **environ;

int main(int argc, char **argv) {
    int n = 0;
    for (char **e = environ; *e; e++) {
        printf("env: %s\n", *e);
        n++;
    }
    printf("%d variables\n", n);
    printf("HOME=%s\n", getenv("HOME") ? getenv("HOME") : "(unset)");
    printf("EMPTY=[%s]\n", getenv("EMPTY") ? getenv("EMPTY") : "(unset)");
    printf("PATH=%s\n", getenv("PATH") ? getenv("PATH") : "(unset)");
    size_t total = 0;
    for (int i = 1; i < argc; i++) total += strlen(argv[i]);
    printf("%d args, %zu bytes\n", argc - 1, total);
    return 0;
}
