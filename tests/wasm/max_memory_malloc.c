// --max-memory 4 MiB: small allocations work, an 8 MiB one is NULL, and
// the program goes on (the pointers go through a volatile, so the
// compiler cannot drop the allocations).
#include <stdio.h>
#include <stdlib.h>

static void *volatile keep;

int main(void) {
    keep = malloc(100000);
    printf("100 kB: %s\n", keep ? "ok" : "NULL");
    keep = malloc(8 << 20);
    printf("8 MiB: %s\n", keep ? "ok" : "NULL");
    int n = 0;
    while (n < 100 && (keep = malloc(256 << 10)) != NULL) n++;
    printf("256 KiB blocks until the limit: between 8 and 16: %d\n", n >= 8 && n < 16);
    return 0;
}
