/* The POSIX rows of `make bench`: system calls through musl and the
 * POSIX adapter (libcapos-posix), timed with the TSC. Prints, like the
 * ring benchmarks, `bench: NAME: C cycles/op (N ops)` lines and
 * `bench: done`. argv[1] is a writable directory (/tmp). */
#include <stdio.h>
#include <stdint.h>
#include <string.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

static inline uint64_t tsc(void)
{
	uint32_t lo, hi;
	__asm__ volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

static void report(const char *name, uint64_t cycles, long ops)
{
	fprintf(stderr, "bench: %s: %llu cycles/op (%ld ops)\n", name, (unsigned long long)(cycles / ops), ops);
}

int main(int argc, char **argv)
{
	if (argc < 2 || chdir(argv[1]) != 0) {
		fprintf(stderr, "bench: error: no writable directory\n");
		return 1;
	}
	long ops = 100000;
	volatile long sink = 0;
	uint64_t t0 = tsc();
	for (long i = 0; i < ops; i++)
		sink += getppid();
	report("posix getppid", tsc() - t0, ops);

	int null = open("/dev/null", O_WRONLY);
	t0 = tsc();
	for (long i = 0; i < ops; i++)
		sink += write(null, "x", 1);
	report("posix write 1 byte to /dev/null", tsc() - t0, ops);
	close(null);

	char block[4096];
	memset(block, 'b', sizeof block);
	int fd = open("bench.dat", O_RDWR | O_CREAT | O_TRUNC, 0644);
	ops = 2000;
	t0 = tsc();
	for (long i = 0; i < ops; i++) {
		pwrite(fd, block, sizeof block, 0);
		sink += pread(fd, block, sizeof block, 0);
	}
	report("posix 4 KiB file write+read", tsc() - t0, ops);
	close(fd);

	FILE *f = fopen("lines.txt", "w");
	ops = 100000;
	t0 = tsc();
	for (long i = 0; i < ops; i++)
		fprintf(f, "line %ld of the printf benchmark\n", i);
	fclose(f);
	report("posix printf line to a file", tsc() - t0, ops);
	unlink("bench.dat");
	unlink("lines.txt");

	/* Processes and pipes. */
	ops = 20;
	t0 = tsc();
	for (long i = 0; i < ops; i++) {
		pid_t kid = fork();
		if (kid == 0)
			_exit(0);
		int status;
		waitpid(kid, &status, 0);
	}
	report("posix fork+exit+wait", tsc() - t0, ops);

	int ping[2], pong[2];
	pipe(ping);
	pipe(pong);
	pid_t kid = fork();
	ops = 2000;
	if (kid == 0) {
		char c;
		for (long i = 0; i < ops; i++) {
			read(ping[0], &c, 1);
			write(pong[1], &c, 1);
		}
		_exit(0);
	}
	t0 = tsc();
	for (long i = 0; i < ops; i++) {
		char c = 'x';
		write(ping[1], &c, 1);
		read(pong[0], &c, 1);
	}
	report("posix pipe ping-pong round trip", tsc() - t0, ops);
	int status;
	waitpid(kid, &status, 0);

	int data[2];
	pipe(data);
	kid = fork();
	if (kid == 0) {
		close(data[1]);
		char sinkbuf[65536];
		while (read(data[0], sinkbuf, sizeof sinkbuf) > 0)
			;
		_exit(0);
	}
	close(data[0]);
	ops = 256; /* 1 MiB in 4 KiB writes */
	t0 = tsc();
	for (long i = 0; i < ops; i++)
		write(data[1], block, sizeof block);
	close(data[1]);
	waitpid(kid, &status, 0);
	report("posix 4 KiB pipe write (1 MiB to a child)", tsc() - t0, ops);
	fprintf(stderr, "bench: done\n");
	return (int)(sink & 0);
}
