// A wasm payload of systems/wasm.cue (scenario `wasm-payload`): shows what
// the service's caps allow. Its manifest entry gives wasm-host `console`,
// `fs` and `entropy`, not `timer` or `wallClock`: random_get works, the
// clocks answer ENOTSUP, and files outside its --dir are not reachable
// (wasi-libc's ENOTCAPABLE for a path under no preopen).
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <wasi/api.h>

int main(int argc, char **argv) {
    unsigned char bytes[16] = {0};
    int random = __wasi_random_get(bytes, sizeof bytes);
    int nonzero = 0;
    for (unsigned i = 0; i < sizeof bytes; i++) nonzero |= bytes[i];
    __wasi_timestamp_t t;
    int monotonic = __wasi_clock_time_get(__WASI_CLOCKID_MONOTONIC, 1, &t);
    int realtime = __wasi_clock_time_get(__WASI_CLOCKID_REALTIME, 1, &t);
    printf("caps: args %d [%s], random_get %d (bytes %s), monotonic clock errno %d, realtime clock errno %d\n",
           argc, argc > 1 ? argv[1] : "", random, nonzero ? "set" : "zero", monotonic, realtime);
    FILE *mine = fopen("/data/note", "r");
    char line[64] = "";
    if (mine) fgets(line, sizeof line, mine);
    line[strcspn(line, "\n")] = 0;
    FILE *other = fopen("/etc/motd", "r");
    printf("caps: /data/note [%s], /etc/motd %s\n", line, other ? "opened" : strerror(errno));
    return 0;
}
