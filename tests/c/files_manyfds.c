/* Many descriptors: open 200 files, close every other one, open again
 * (the lowest free fds are reused), close 150 in a row and open at once
 * (the file service is told of each close; a close storm must not make
 * the next open fail), up to the limit getrlimit reports. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#define N 200

int main(int argc, char **argv)
{
	if (argc < 2 || chdir(argv[1]) != 0)
		return 1;
	static int fd[N];
	char name[64];
	int opened = 0;
	for (int i = 0; i < N; i++) {
		snprintf(name, sizeof name, "f%03d", i);
		fd[i] = open(name, O_CREAT | O_RDWR, 0644);
		opened += fd[i] >= 0;
	}
	printf("opened %d\n", opened);
	int lowest = fd[0];
	for (int i = 0; i < N; i += 2)
		close(fd[i]);
	int reused = 0;
	for (int i = 0; i < N; i += 2) {
		snprintf(name, sizeof name, "f%03d", i);
		int f = open(name, O_RDWR);
		reused += f == fd[i];
		fd[i] = f;
	}
	printf("reopened into the same fds: %d of %d\n", reused, N / 2);
	for (int i = 0; i < 150; i++)
		close(fd[i]);
	int f = open("f000", O_RDWR);
	printf("open right after 150 closes: %s, lowest fd again %d\n", f >= 0 ? "ok" : strerror(errno), f == lowest);
	close(f);
	for (int i = 150; i < N; i++)
		close(fd[i]);
	for (int i = 0; i < N; i++) {
		snprintf(name, sizeof name, "f%03d", i);
		unlink(name);
	}
	struct rlimit rl;
	getrlimit(RLIMIT_NOFILE, &rl);
	printf("limit at least 200: %d\n", rl.rlim_cur >= 200);
	return 0;
}
