/* Mutex types: recursive locks nest, errorcheck reports EDEADLK and EPERM, trylock returns EBUSY, normal mutex under contention from 8 threads. */
#include <stdio.h>
#include <string.h>
#include <errno.h>
#include <pthread.h>

static pthread_mutex_t rec, chk, plain = PTHREAD_MUTEX_INITIALIZER;
static long total;

static void *other_unlock(void *arg)
{
	(void)arg;
	int r = pthread_mutex_unlock(&chk);
	int t = pthread_mutex_trylock(&rec);
	if (t == 0)
		pthread_mutex_unlock(&rec);
	return (void *)(long)(r == EPERM) + (t == EBUSY ? 10 : 0);
}

static void *recurse_worker(void *arg)
{
	long n = (long)arg;
	for (int i = 0; i < 2000; i++) {
		pthread_mutex_lock(&rec);
		pthread_mutex_lock(&rec);
		total += n;
		pthread_mutex_unlock(&rec);
		pthread_mutex_unlock(&rec);
	}
	return NULL;
}

int main(void)
{
	pthread_mutexattr_t a;
	int type;
	pthread_mutexattr_init(&a);
	pthread_mutexattr_gettype(&a, &type);
	printf("default type is PTHREAD_MUTEX_DEFAULT: %d\n", type == PTHREAD_MUTEX_DEFAULT);
	pthread_mutexattr_settype(&a, PTHREAD_MUTEX_RECURSIVE);
	pthread_mutex_init(&rec, &a);
	pthread_mutexattr_settype(&a, PTHREAD_MUTEX_ERRORCHECK);
	pthread_mutex_init(&chk, &a);
	printf("settype invalid: %d\n", pthread_mutexattr_settype(&a, 12345) == EINVAL);
	pthread_mutexattr_destroy(&a);

	for (int i = 0; i < 5; i++)
		printf("recursive lock %d: %d\n", i, pthread_mutex_lock(&rec));
	printf("recursive trylock: %d\n", pthread_mutex_trylock(&rec));
	pthread_t t;
	pthread_create(&t, NULL, other_unlock, NULL);
	void *ret;
	pthread_join(t, &ret);
	printf("other thread: trylock busy %d\n", (long)ret >= 10);
	for (int i = 0; i < 6; i++)
		printf("recursive unlock %d: %d\n", i, pthread_mutex_unlock(&rec));
	printf("unlock once more: EPERM %d\n", pthread_mutex_unlock(&rec) == EPERM);

	printf("errorcheck lock: %d\n", pthread_mutex_lock(&chk));
	printf("relock: EDEADLK %d\n", pthread_mutex_lock(&chk) == EDEADLK);
	printf("trylock: EBUSY %d\n", pthread_mutex_trylock(&chk) == EBUSY);
	pthread_create(&t, NULL, other_unlock, NULL);
	pthread_join(t, &ret);
	printf("unlock from another thread: EPERM %d\n", (long)ret % 10);
	printf("unlock: %d\n", pthread_mutex_unlock(&chk));
	printf("unlock unlocked: EPERM %d\n", pthread_mutex_unlock(&chk) == EPERM);

	int r1 = pthread_mutex_trylock(&plain);
	int r2 = pthread_mutex_trylock(&plain);
	printf("plain trylock: %d then EBUSY %d\n", r1, r2 == EBUSY);
	pthread_mutex_unlock(&plain);

	pthread_t w[8];
	for (long i = 0; i < 8; i++)
		pthread_create(&w[i], NULL, recurse_worker, (void *)(i + 1));
	for (int i = 0; i < 8; i++)
		pthread_join(w[i], NULL);
	printf("total %ld (expected %d)\n", total, 2000 * 36);
	printf("destroy: %d %d %d\n", pthread_mutex_destroy(&rec), pthread_mutex_destroy(&chk),
	       pthread_mutex_destroy(&plain));
	return 0;
}
