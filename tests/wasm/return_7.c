// main's return value is the exit status; atexit handlers run first.
#include <stdio.h>
#include <stdlib.h>

static void bye(void) { printf("atexit handler\n"); }

int main(void) {
    atexit(bye);
    printf("returning 7\n");
    return 7;
}
