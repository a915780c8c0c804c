// Files given to the program (tests/wasm/files_fixture.files/) are in the
// preopen: read them, and one in a subdirectory through a relative walk.
#include <stdio.h>

static void cat(const char *path) {
    FILE *f = fopen(path, "r");
    if (!f) {
        perror(path);
        return;
    }
    char line[128];
    while (fgets(line, sizeof line, f)) printf("%s: %s", path, line);
    fclose(f);
}

int main(void) {
    cat("/tmp/input.txt");
    cat("/tmp/sub/nested.txt");
    cat("/tmp/sub/../input.txt");
    cat("/tmp/./sub/./nested.txt");
    cat("/tmp/missing.txt");
    return 0;
}
