/* times() and getrusage(): the process's CPU time, and its children's
 * once they ended and were waited for; a child's own children count in
 * it. Only comparisons are printed (no figure), so the output is the
 * same on any machine. User and system time are added together (capOS
 * does not tell them apart). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/times.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long long cpu_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
	return t.tv_sec * 1000000000LL + t.tv_nsec;
}

static volatile unsigned long sink;

/* Computes until this process used `ms` more milliseconds of CPU. */
static void burn(long ms)
{
	long long start = cpu_ns();
	while (cpu_ns() - start < ms * 1000000LL)
		for (int i = 0; i < 10000; i++)
			sink = sink * 31 + (unsigned long)i;
}

static long long usage_ms(int who)
{
	struct rusage r;
	if (getrusage(who, &r) != 0)
		return -1;
	return (r.ru_utime.tv_sec + r.ru_stime.tv_sec) * 1000LL + (r.ru_utime.tv_usec + r.ru_stime.tv_usec) / 1000;
}

static int wait_for(pid_t kid)
{
	int status;
	return kid > 0 && waitpid(kid, &status, 0) == kid && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

int main(void)
{
	long hz = sysconf(_SC_CLK_TCK);
	printf("clock ticks per second: %ld\n", hz);
	struct tms t;
	clock_t start = times(&t);
	printf("times works: %d\n", start != (clock_t)-1);
	printf("no children's time yet: %d\n", t.tms_cutime == 0 && t.tms_cstime == 0);
	printf("RUSAGE_CHILDREN is 0 at first: %d\n", usage_ms(RUSAGE_CHILDREN) == 0);

	burn(150);
	times(&t);
	printf("own time at least 100 ms: %d\n", t.tms_utime + t.tms_stime >= hz / 10);
	printf("RUSAGE_SELF at least 100 ms: %d\n", usage_ms(RUSAGE_SELF) >= 100);
	printf("RUSAGE_THREAD at least 100 ms: %d\n", usage_ms(RUSAGE_THREAD) >= 100);

	/* A child that computes 200 ms and has a child computing 200 ms. */
	pid_t kid = fork();
	if (kid == 0) {
		pid_t grandchild = fork();
		if (grandchild == 0) {
			burn(200);
			_exit(0);
		}
		burn(200);
		_exit(wait_for(grandchild) ? 0 : 1);
	}
	printf("child ended well: %d\n", wait_for(kid));
	clock_t end = times(&t);
	printf("children's time at least 300 ms: %d\n", t.tms_cutime + t.tms_cstime >= hz * 3 / 10);
	printf("RUSAGE_CHILDREN at least 300 ms: %d\n", usage_ms(RUSAGE_CHILDREN) >= 300);
	printf("own time did not take the children's: %d\n", usage_ms(RUSAGE_SELF) < 300);
	printf("elapsed ticks grew: %d\n", end - start >= hz * 3 / 10);
	struct rusage r;
	int bad = getrusage(42, &r);
	printf("getrusage(42): %d %s\n", bad, strerror(errno));
	return 0;
}
