// Files in the preopened /tmp: create, write, read back, seek, pread and
// pwrite, append, truncate, stat sizes.
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void show(const char *path) {
    char buf[128];
    int fd = open(path, O_RDONLY);
    ssize_t n = read(fd, buf, sizeof buf - 1);
    buf[n < 0 ? 0 : n] = 0;
    close(fd);
    printf("%s: %zd bytes: [%s]\n", path, n, buf);
}

int main(void) {
    int fd = open("/tmp/a.txt", O_CREAT | O_WRONLY | O_TRUNC, 0644);
    printf("open: %s\n", fd >= 0 ? "ok" : strerror(errno));
    printf("write: %zd\n", write(fd, "hello, file\n", 12));
    printf("lseek end: %lld\n", (long long)lseek(fd, 0, SEEK_END));
    printf("lseek set 7: %lld\n", (long long)lseek(fd, 7, SEEK_SET));
    printf("write: %zd\n", write(fd, "FILE", 4));
    printf("lseek cur: %lld\n", (long long)lseek(fd, 0, SEEK_CUR));
    close(fd);
    show("/tmp/a.txt");

    fd = open("/tmp/a.txt", O_RDWR);
    char buf[16] = {0};
    printf("pread: %zd [%.5s]\n", pread(fd, buf, 5, 7), buf);
    printf("pwrite: %zd\n", pwrite(fd, "HELLO", 5, 0));
    printf("position after pread/pwrite: %lld\n", (long long)lseek(fd, 0, SEEK_CUR));
    struct stat st;
    fstat(fd, &st);
    printf("fstat: size %lld, regular %d\n", (long long)st.st_size, S_ISREG(st.st_mode));
    printf("ftruncate 5: %d\n", ftruncate(fd, 5));
    fstat(fd, &st);
    printf("fstat: size %lld\n", (long long)st.st_size);
    printf("ftruncate 10: %d\n", ftruncate(fd, 10));
    fstat(fd, &st);
    printf("fstat: size %lld\n", (long long)st.st_size);
    close(fd);

    fd = open("/tmp/log", O_CREAT | O_WRONLY | O_APPEND, 0644);
    write(fd, "one\n", 4);
    lseek(fd, 0, SEEK_SET);
    write(fd, "two\n", 4);
    close(fd);
    show("/tmp/log");

    FILE *f = fopen("/tmp/b.txt", "w");
    for (int i = 0; i < 100; i++) fprintf(f, "%d,", i * i);
    fclose(f);
    f = fopen("/tmp/b.txt", "r");
    long sum = 0;
    int v;
    while (fscanf(f, "%d,", &v) == 1) sum += v;
    fclose(f);
    printf("sum of squares read back: %ld\n", sum);
    stat("/tmp/b.txt", &st);
    printf("stat b.txt: size %lld\n", (long long)st.st_size);
    stat("/tmp", &st);
    printf("stat /tmp: directory %d\n", S_ISDIR(st.st_mode));
    return 0;
}
