/* Threads: 8 threads add to a counter under a mutex, a condition variable
 * hands out work, joins return values, thread-local variables stay
 * per thread, pthread_once runs once. */
#include <stdio.h>
#include <stdint.h>
#include <pthread.h>

#define THREADS 8
#define ROUNDS 20000

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static long counter;
static int queue[64], head, tail, done;
static long consumed_sum;
static __thread int tls_value = -1;
static __thread char tls_buf[64];
static pthread_once_t once = PTHREAD_ONCE_INIT;
static int once_runs;

static void init_once(void) { once_runs++; }

static void *adder(void *arg)
{
	int id = (int)(intptr_t)arg;
	tls_value = id;
	snprintf(tls_buf, sizeof tls_buf, "thread %d", id);
	pthread_once(&once, init_once);
	for (int i = 0; i < ROUNDS; i++) {
		pthread_mutex_lock(&lock);
		counter++;
		pthread_mutex_unlock(&lock);
	}
	/* The thread-local values are still ours. */
	if (tls_value != id)
		return (void *)-1;
	return (void *)(intptr_t)(id * 100 + (tls_buf[7] - '0'));
}

static void *consumer(void *arg)
{
	(void)arg;
	long sum = 0;
	for (;;) {
		pthread_mutex_lock(&lock);
		while (head == tail && !done)
			pthread_cond_wait(&cond, &lock);
		if (head == tail && done) {
			pthread_mutex_unlock(&lock);
			break;
		}
		sum += queue[head++ % 64];
		pthread_cond_broadcast(&cond);
		pthread_mutex_unlock(&lock);
	}
	pthread_mutex_lock(&lock);
	consumed_sum += sum;
	pthread_mutex_unlock(&lock);
	return NULL;
}

int main(void)
{
	pthread_t t[THREADS];
	for (int i = 0; i < THREADS; i++)
		if (pthread_create(&t[i], NULL, adder, (void *)(intptr_t)i) != 0) {
			printf("pthread_create failed\n");
			return 1;
		}
	for (int i = 0; i < THREADS; i++) {
		void *ret;
		pthread_join(t[i], &ret);
		printf("thread %d returned %ld\n", i, (long)(intptr_t)ret);
	}
	printf("counter %ld (expected %d)\n", counter, THREADS * ROUNDS);
	printf("once ran %d time(s); main tls %d\n", once_runs, tls_value);

	pthread_t c[3];
	for (int i = 0; i < 3; i++)
		pthread_create(&c[i], NULL, consumer, NULL);
	long produced = 0;
	for (int i = 1; i <= 2000; i++) {
		pthread_mutex_lock(&lock);
		while (tail - head >= 64)
			pthread_cond_wait(&cond, &lock);
		queue[tail++ % 64] = i;
		produced += i;
		pthread_cond_broadcast(&cond);
		pthread_mutex_unlock(&lock);
	}
	pthread_mutex_lock(&lock);
	done = 1;
	pthread_cond_broadcast(&cond);
	pthread_mutex_unlock(&lock);
	for (int i = 0; i < 3; i++)
		pthread_join(c[i], NULL);
	printf("produced %ld consumed %ld\n", produced, consumed_sum);

	/* A detached thread and a joinable one with attributes. */
	pthread_attr_t attr;
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 256 * 1024);
	pthread_t big;
	pthread_create(&big, &attr, adder, (void *)(intptr_t)9);
	void *ret;
	pthread_join(big, &ret);
	printf("big-stack thread returned %ld\n", (long)(intptr_t)ret);
	pthread_attr_destroy(&attr);
	printf("counter %ld\n", counter);
	return 0;
}
