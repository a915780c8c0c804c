// --fuel runs out in an endless computation after output was written and
// flushed: what was written stays, then the trap (status 134). Where
// exactly the fuel ends differs between the runtimes (their fuel units
// differ, docs/wasi.md), so nothing printed depends on it.
#include <stdio.h>

static volatile unsigned long sink;

int main(void) {
    printf("started\n");
    fflush(stdout);
    for (unsigned long i = 0;; i++) sink += i * i;
}
