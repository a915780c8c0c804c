// Large transfers: one 3 MiB write to a file and to stdout's pipe (the
// host may move less per call; wasi-libc loops), read back whole.
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(void) {
    enum { SIZE = 3 << 20 };
    unsigned char *buf = malloc(SIZE), *back = malloc(SIZE);
    for (int i = 0; i < SIZE; i++) buf[i] = (unsigned char)(i * 7 + i / 4096);
    int fd = open("/tmp/big", O_CREAT | O_RDWR | O_TRUNC, 0644);
    size_t done = 0;
    int calls = 0;
    while (done < SIZE) {
        ssize_t n = write(fd, buf + done, SIZE - done);
        if (n <= 0) return 1;
        done += n;
        calls++;
    }
    lseek(fd, 0, SEEK_SET);
    size_t got = 0;
    while (got < SIZE) {
        ssize_t n = read(fd, back + got, SIZE - got);
        if (n <= 0) break;
        got += n;
    }
    unsigned long sum = 0;
    int same = 1;
    for (int i = 0; i < SIZE; i++) {
        sum = sum * 31 + back[i];
        if (back[i] != buf[i]) same = 0;
    }
    printf("wrote %zu, read %zu, same %d, checksum %lu\n", done, got, same, sum);
    fflush(stdout);
    for (int i = 0; i < SIZE; i++) buf[i] = "abcdefghijklmnopqrstuvwxyz\n"[i % 27];
    done = 0;
    while (done < SIZE) {
        ssize_t n = write(1, buf + done, SIZE - done);
        if (n <= 0) return 2;
        done += n;
    }
    return 0;
}
