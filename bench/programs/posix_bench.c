/* The POSIX rows of `make bench`, the same source on both guests: built
 * with sysroot/bin/capos-cc for capOS (run with `./capos run`) and with
 * the host's `gcc -static` for the Linux peer (run by its /init), both
 * gcc 12 at -O2.
 *
 * Usage: posix_bench DIR HELLO RUNS [ROWS]
 *   DIR    a writable RAM directory (/tmp on capOS, a tmpfs on Linux)
 *   HELLO  the path of the static bench/programs/hello.c to exec
 *   RUNS   how many times each row is measured
 *   ROWS   only these rows, keys separated by commas (default: all), e.g.
 *          `./capos run --file build/bench/capos/hello:/bin/hello --
 *          build/bench/capos/posix_bench /tmp /bin/hello 3
 *          fork-exec-wait,file-cycle` to time a change quickly
 *
 * Each row is timed with clock_gettime(CLOCK_MONOTONIC) around a batch
 * of operations and printed once per run on stdout as
 *   row: KEY VALUE UNIT
 * (capos-bench takes the median of the runs); `bench: done` ends the
 * output and `bench: error: ...` reports a failure. On a capOS kernel
 * built with its profile counters (`make kernel PROFILE=1`) each row is
 * preceded by
 *   profile: KEY NAME=VALUE; ...
 * the kernel's counters per operation of the row, every process counted
 * (the file service and exec'd children too; kernel/src/profile.rs). */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#if __has_include(<capos/capos.h>)
#include <capos/capos.h>
#define HAVE_CAPOS_PROFILE 1
#endif

static volatile long sink;

/* The kernel's profile counters around a row (capOS with the `profile`
 * feature only; nothing elsewhere). */
static void profile_begin(void)
{
#ifdef HAVE_CAPOS_PROFILE
	capos_profile_reset();
#endif
}

static void profile_end(const char *key, long ops)
{
#ifdef HAVE_CAPOS_PROFILE
	uint64_t values[32];
	int n = capos_profile_read(values, 32);
	if (n <= 0)
		return;
	printf("profile: %s", key);
	for (int i = 0; i < n; i++) {
		char name[64];
		if (capos_profile_name(i, name, sizeof name) < 0)
			break;
		printf("%s %s=%.1f", i ? ";" : "", name, (double)values[i] / ops);
	}
	printf("\n");
	fflush(stdout);
#else
	(void)key;
	(void)ops;
#endif
}

static double now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static void row(const char *key, double value, const char *unit)
{
	printf("row: %s %.3f %s\n", key, value, unit);
	fflush(stdout);
}

static void fail(const char *what)
{
	printf("bench: error: %s\n", what);
	fflush(stdout);
	exit(1);
}

/* The control row: pure computation, the same instructions on both
 * guests (one gcc, one source), so its ratio shows the method, not the
 * OS. */
static uint64_t cpu_work(long n)
{
	uint64_t x = 1;
	for (long i = 0; i < n; i++) {
		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
		x ^= x >> 29;
	}
	return x;
}

static void null_call(void)
{
	long ops = 20000;
	profile_begin();
	double t0 = now_ns();
	for (long i = 0; i < ops; i++)
		sink += getppid();
	profile_end("getppid", ops);
	row("getppid", (now_ns() - t0) / ops, "ns");
}

static void write_null(void)
{
	int fd = open("/dev/null", O_WRONLY);
	if (fd < 0)
		fail("open /dev/null");
	long ops = 20000;
	profile_begin();
	double t0 = now_ns();
	for (long i = 0; i < ops; i++)
		sink += write(fd, "x", 1);
	profile_end("write-devnull", ops);
	row("write-devnull", (now_ns() - t0) / ops, "ns");
	close(fd);
}

static void ping_pong(void)
{
	int ping[2], pong[2];
	if (pipe(ping) || pipe(pong))
		fail("pipe");
	long ops = 1000;
	pid_t kid = fork();
	if (kid < 0)
		fail("fork");
	if (kid == 0) {
		char c;
		for (long i = 0; i < ops; i++) {
			if (read(ping[0], &c, 1) != 1 || write(pong[1], &c, 1) != 1)
				_exit(1);
		}
		_exit(0);
	}
	profile_begin();
	double t0 = now_ns();
	for (long i = 0; i < ops; i++) {
		char c = 'x';
		if (write(ping[1], &c, 1) != 1 || read(pong[0], &c, 1) != 1)
			fail("ping-pong");
	}
	profile_end("pipe-pingpong", ops);
	row("pipe-pingpong", (now_ns() - t0) / ops / 1e3, "us");
	int status;
	waitpid(kid, &status, 0);
	close(ping[0]);
	close(ping[1]);
	close(pong[0]);
	close(pong[1]);
}

static void pipe_throughput(void)
{
	static char block[4096];
	memset(block, 'b', sizeof block);
	int data[2];
	if (pipe(data))
		fail("pipe");
	pid_t kid = fork();
	if (kid < 0)
		fail("fork");
	if (kid == 0) {
		close(data[1]);
		static char buf[65536];
		while (read(data[0], buf, sizeof buf) > 0)
			;
		_exit(0);
	}
	close(data[0]);
	long ops = 256; /* 1 MiB in 4 KiB writes */
	profile_begin();
	double t0 = now_ns();
	for (long i = 0; i < ops; i++) {
		if (write(data[1], block, sizeof block) != sizeof block)
			fail("pipe write");
	}
	close(data[1]);
	int status;
	waitpid(kid, &status, 0);
	double seconds = (now_ns() - t0) / 1e9;
	profile_end("pipe-1mib", ops);
	row("pipe-1mib", (double)(ops * sizeof block) / seconds / 1e6, "MB/s");
}

/* fork+exit+wait (hello NULL: the child exits at once) or fork+exec+wait
 * of hello (its output to /dev/null). */
static void fork_rows(const char *key, const char *hello)
{
	long ops = 20;
	profile_begin();
	double t0 = now_ns();
	for (long i = 0; i < ops; i++) {
		pid_t kid = fork();
		if (kid < 0)
			fail("fork");
		if (kid == 0) {
			if (!hello)
				_exit(0);
			int null = open("/dev/null", O_WRONLY);
			dup2(null, 1);
			char *args[] = { (char *)hello, NULL };
			execv(hello, args);
			_exit(127);
		}
		int status;
		waitpid(kid, &status, 0);
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			fail(key);
	}
	profile_end(key, ops);
	row(key, (now_ns() - t0) / ops / 1e3, "us");
}

static void file_cycle(void)
{
	static char block[4096];
	memset(block, 'f', sizeof block);
	long ops = 200;
	profile_begin();
	double t0 = now_ns();
	for (long i = 0; i < ops; i++) {
		int fd = open("bench.dat", O_RDWR | O_CREAT | O_TRUNC, 0644);
		if (fd < 0)
			fail("create bench.dat");
		if (write(fd, block, sizeof block) != sizeof block || pread(fd, block, sizeof block, 0) != sizeof block)
			fail("write/read bench.dat");
		close(fd);
		if (unlink("bench.dat"))
			fail("unlink bench.dat");
	}
	profile_end("file-cycle", ops);
	row("file-cycle", (now_ns() - t0) / ops / 1e3, "us");
}

static void printf_lines(void)
{
	long ops = 100000;
	profile_begin();
	double t0 = now_ns();
	FILE *f = fopen("lines.txt", "w");
	if (!f)
		fail("fopen lines.txt");
	for (long i = 0; i < ops; i++)
		fprintf(f, "line %ld of the printf benchmark\n", i);
	fclose(f);
	profile_end("printf-100k", ops);
	row("printf-100k", (now_ns() - t0) / 1e6, "ms");
	unlink("lines.txt");
}

static void cpu_loop(void)
{
	profile_begin();
	double t0 = now_ns();
	sink += (long)cpu_work(20000000);
	profile_end("cpu-loop", 1);
	row("cpu-loop", (now_ns() - t0) / 1e6, "ms");
}

/* Whether KEY is among the comma-separated ROWS (NULL: every row). */
static int wanted(const char *rows, const char *key)
{
	if (!rows)
		return 1;
	size_t n = strlen(key);
	for (const char *p = rows; *p;) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		if (len == n && strncmp(p, key, n) == 0)
			return 1;
		p += len + (end != NULL);
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 4 || chdir(argv[1]) != 0)
		fail("usage: posix_bench DIR HELLO RUNS [ROWS] (DIR writable)");
	int runs = atoi(argv[3]);
	const char *rows = argc > 4 ? argv[4] : NULL;
	for (int run = 0; run < runs; run++) {
		if (wanted(rows, "cpu-loop"))
			cpu_loop();
		if (wanted(rows, "getppid"))
			null_call();
		if (wanted(rows, "write-devnull"))
			write_null();
		if (wanted(rows, "pipe-pingpong"))
			ping_pong();
		if (wanted(rows, "pipe-1mib"))
			pipe_throughput();
		if (wanted(rows, "fork-exit-wait"))
			fork_rows("fork-exit-wait", NULL);
		if (wanted(rows, "fork-exec-wait"))
			fork_rows("fork-exec-wait", argv[2]);
		if (wanted(rows, "file-cycle"))
			file_cycle();
		if (wanted(rows, "printf-100k"))
			printf_lines();
	}
	printf("bench: done\n");
	return 0;
}
