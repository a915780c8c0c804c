// --fuel too small to reach main: wasi-libc's start-up code runs out, the
// module traps before printing anything (the same under both runtimes).
#include <stdio.h>

int main(void) {
    printf("not reached\n");
    return 0;
}
