/* CPU-time clocks: CLOCK_PROCESS_CPUTIME_ID and CLOCK_THREAD_CPUTIME_ID
 * advance while the program computes and hardly while it sleeps; a
 * thread's clock counts only that thread, the process's counts them
 * all; clock() follows the process's clock. Time is only compared with
 * itself (no figure is printed), so the output is the same on any
 * machine however loaded. */
#include <pthread.h>
#include <stdio.h>
#include <time.h>

static long long ns(clockid_t id)
{
	struct timespec t;
	if (clock_gettime(id, &t) != 0)
		return -1;
	return t.tv_sec * 1000000000LL + t.tv_nsec;
}

static volatile unsigned long sink;

/* Computes until `id` has advanced by `amount` ns (or 60 s of monotonic
 * time went by); returns whether it did. */
static int burn(clockid_t id, long long amount)
{
	long long start = ns(id), wall = ns(CLOCK_MONOTONIC);
	while (ns(id) - start < amount) {
		for (int i = 0; i < 10000; i++)
			sink = sink * 31 + (unsigned long)i;
		if (ns(CLOCK_MONOTONIC) - wall > 60000000000LL)
			return 0;
	}
	return 1;
}

static long long worker_cpu;

static void *worker(void *arg)
{
	(void)arg;
	long long before = ns(CLOCK_THREAD_CPUTIME_ID);
	burn(CLOCK_THREAD_CPUTIME_ID, 100000000);
	worker_cpu = ns(CLOCK_THREAD_CPUTIME_ID) - before;
	return NULL;
}

int main(void)
{
	struct timespec res;
	printf("res process cpu positive: %d\n",
	       clock_getres(CLOCK_PROCESS_CPUTIME_ID, &res) == 0 && (res.tv_sec > 0 || res.tv_nsec > 0));
	printf("res thread cpu positive: %d\n",
	       clock_getres(CLOCK_THREAD_CPUTIME_ID, &res) == 0 && (res.tv_sec > 0 || res.tv_nsec > 0));

	long long t0 = ns(CLOCK_THREAD_CPUTIME_ID), p0 = ns(CLOCK_PROCESS_CPUTIME_ID);
	printf("readable: %d\n", p0 >= 0 && t0 >= 0);
	printf("thread cpu <= process cpu: %d\n", t0 <= p0);

	/* Computing: the process clock reaches 200 ms more. */
	clock_t c0 = clock();
	printf("process cpu advanced while computing: %d\n", burn(CLOCK_PROCESS_CPUTIME_ID, 200000000));
	clock_t c1 = clock();
	printf("clock() advanced at least 150 ms: %d\n", c1 != (clock_t)-1 && (c1 - c0) >= CLOCKS_PER_SEC * 15 / 100);

	/* Monotonic across many reads. */
	long long prev = ns(CLOCK_PROCESS_CPUTIME_ID), back = 0;
	for (int i = 0; i < 2000; i++) {
		long long now = ns(CLOCK_PROCESS_CPUTIME_ID);
		back += now < prev;
		prev = now;
	}
	printf("process cpu went back %lld times\n", back);

	/* Sleeping 300 ms uses well under 100 ms of CPU. */
	long long before = ns(CLOCK_PROCESS_CPUTIME_ID);
	struct timespec nap = {0, 300000000};
	nanosleep(&nap, NULL);
	printf("sleep used under 100 ms of cpu: %d\n", ns(CLOCK_PROCESS_CPUTIME_ID) - before < 100000000);

	/* Another thread's computing shows in the process's clock, not in
	 * this thread's. */
	long long mine = ns(CLOCK_THREAD_CPUTIME_ID), all = ns(CLOCK_PROCESS_CPUTIME_ID);
	pthread_t t;
	if (pthread_create(&t, NULL, worker, NULL) != 0 || pthread_join(t, NULL) != 0) {
		printf("thread failed\n");
		return 1;
	}
	long long mine_after = ns(CLOCK_THREAD_CPUTIME_ID), all_after = ns(CLOCK_PROCESS_CPUTIME_ID);
	printf("worker's thread clock reached 100 ms: %d\n", worker_cpu >= 100000000);
	printf("process clock counts the worker: %d\n", all_after - all >= worker_cpu);
	printf("this thread's clock did not count it: %d\n", mine_after - mine < worker_cpu);
	printf("thread cpu <= process cpu: %d\n", mine_after <= all_after);
	return 0;
}
