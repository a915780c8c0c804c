/* The main stack grows past what is mapped at start (256 KiB on capOS)
 * up to its 8 MiB reserve, as Linux's stack grows to its default
 * RLIMIT_STACK: a recursion using about 4 MiB of stack (each frame holds
 * a 2 KiB buffer it fills and reads back); a pipe read() into a stack
 * buffer below every page touched before (a write made on the process's
 * behalf); and a forked child that recurses as deep in its own copy. */
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static unsigned long descend(int depth) {
  volatile unsigned char buf[2048];
  memset((void *)buf, depth & 0xff, sizeof buf);
  unsigned long below = depth > 0 ? descend(depth - 1) : 0;
  unsigned long sum = 0;
  for (size_t i = 0; i < sizeof buf; i += 512) sum += buf[i];
  return below + sum;
}

/* Reads from a pipe into a buffer 3 MiB down the stack. */
static int read_deep(int fd, int depth) {
  volatile char pad[4096];
  pad[0] = (char)depth;
  if (depth > 0) return read_deep(fd, depth - 1) + (pad[0] == (char)depth ? 0 : 1);
  char buf[64];
  ssize_t n = read(fd, buf, sizeof buf);
  if (n != 11 || memcmp(buf, "deep buffer", 11) != 0) return 100;
  return 0;
}

int main(void) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  printf("descend: %lu\n", descend(2000));
  int fds[2];
  if (pipe(fds) != 0) { perror("pipe"); return 1; }
  if (write(fds[1], "deep buffer", 11) != 11) { perror("write"); return 1; }
  printf("read_deep: %d\n", read_deep(fds[0], 750));
  pid_t pid = fork();
  if (pid < 0) { perror("fork"); return 1; }
  if (pid == 0) {
    printf("child descend: %lu\n", descend(1500));
    _exit(7);
  }
  int status;
  if (waitpid(pid, &status, 0) != pid) { perror("waitpid"); return 1; }
  printf("child: exited %d, status %d\n", WIFEXITED(status), WEXITSTATUS(status));
  return 0;
}
