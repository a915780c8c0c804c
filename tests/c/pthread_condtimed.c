/* Condition variables with timeouts: pthread_cond_timedwait times out with ETIMEDOUT after at least the deadline (CLOCK_REALTIME and CLOCK_MONOTONIC condattr), returns 0 when signalled in time, and signal vs broadcast wake counts. */
#include <stdio.h>
#include <errno.h>
#include <time.h>
#include <pthread.h>

static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t c = PTHREAD_COND_INITIALIZER, mono;
static int ready, woken, waiting;

static struct timespec after_ms(clockid_t clk, long ms)
{
	struct timespec ts;
	clock_gettime(clk, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (ms % 1000) * 1000000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	return ts;
}

static int reached(clockid_t clk, struct timespec dl)
{
	struct timespec now;
	clock_gettime(clk, &now);
	return now.tv_sec > dl.tv_sec || (now.tv_sec == dl.tv_sec && now.tv_nsec >= dl.tv_nsec);
}

static void *signaller(void *arg)
{
	(void)arg;
	struct timespec d = { 0, 20 * 1000000 };
	nanosleep(&d, NULL);
	pthread_mutex_lock(&m);
	ready = 1;
	pthread_cond_signal(&c);
	pthread_mutex_unlock(&m);
	return NULL;
}

static void *waiter(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&m);
	waiting++;
	while (!ready)
		pthread_cond_wait(&c, &m);
	woken++;
	pthread_mutex_unlock(&m);
	return NULL;
}

int main(void)
{
	pthread_mutex_lock(&m);
	struct timespec dl = after_ms(CLOCK_REALTIME, 100);
	int r = pthread_cond_timedwait(&c, &m, &dl);
	printf("realtime timeout: ETIMEDOUT %d, deadline reached %d\n", r == ETIMEDOUT, reached(CLOCK_REALTIME, dl));
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&mono, &ca);
	clockid_t clk;
	pthread_condattr_getclock(&ca, &clk);
	printf("condattr clock is monotonic %d\n", clk == CLOCK_MONOTONIC);
	dl = after_ms(CLOCK_MONOTONIC, 150);
	r = pthread_cond_timedwait(&mono, &m, &dl);
	printf("monotonic timeout: ETIMEDOUT %d, deadline reached %d\n", r == ETIMEDOUT, reached(CLOCK_MONOTONIC, dl));
	struct timespec past = { 1, 0 };
	r = pthread_cond_timedwait(&c, &m, &past);
	printf("deadline in the past: ETIMEDOUT %d\n", r == ETIMEDOUT);
	struct timespec bad = { 0, 2000000000 };
	r = pthread_cond_timedwait(&c, &m, &bad);
	printf("bad nanoseconds: EINVAL %d\n", r == EINVAL);

	pthread_t t;
	pthread_create(&t, NULL, signaller, NULL);
	dl = after_ms(CLOCK_REALTIME, 10000);
	r = 0;
	while (!ready && r == 0)
		r = pthread_cond_timedwait(&c, &m, &dl);
	printf("signalled in time: %d ready %d\n", r, ready);
	pthread_mutex_unlock(&m);
	pthread_join(t, NULL);

	ready = 0;
	pthread_t w[6];
	for (int i = 0; i < 6; i++)
		pthread_create(&w[i], NULL, waiter, NULL);
	for (;;) {
		pthread_mutex_lock(&m);
		int n = waiting;
		pthread_mutex_unlock(&m);
		if (n == 6)
			break;
		sched_yield();
	}
	pthread_mutex_lock(&m);
	ready = 1;
	pthread_cond_broadcast(&c);
	pthread_mutex_unlock(&m);
	for (int i = 0; i < 6; i++)
		pthread_join(w[i], NULL);
	printf("broadcast woke %d of 6\n", woken);
	pthread_cond_destroy(&mono);
	pthread_condattr_destroy(&ca);
	return 0;
}
