/* Thread-specific data: pthread_key_create with destructors that run at thread exit (also via pthread_exit), not for NULL values, key deletion, many keys. */
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <pthread.h>

static pthread_key_t key, key2;
static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static int destroyed[16];
static int destroy_calls;

static void dtor(void *p)
{
	int id = *(int *)p;
	pthread_mutex_lock(&m);
	destroyed[id]++;
	destroy_calls++;
	pthread_mutex_unlock(&m);
	free(p);
}

static void dtor2(void *p)
{
	pthread_mutex_lock(&m);
	destroy_calls += 100;
	pthread_mutex_unlock(&m);
	(void)p;
}

static void *worker(void *arg)
{
	int id = (int)(intptr_t)arg;
	int *p = malloc(sizeof *p);
	*p = id;
	if (pthread_getspecific(key) != NULL)
		return (void *)1;
	pthread_setspecific(key, p);
	if (id % 2)
		pthread_setspecific(key2, (void *)(intptr_t)1);
	for (int i = 0; i < 1000; i++)
		if (*(int *)pthread_getspecific(key) != id)
			return (void *)2;
	if (id == 3)
		pthread_exit((void *)3);
	return NULL;
}

int main(void)
{
	printf("create: %d %d\n", pthread_key_create(&key, dtor), pthread_key_create(&key2, dtor2));
	pthread_t t[8];
	for (int i = 0; i < 8; i++)
		pthread_create(&t[i], NULL, worker, (void *)(intptr_t)i);
	for (int i = 0; i < 8; i++) {
		void *r;
		pthread_join(t[i], &r);
		printf("thread %d returned %ld destroyed %d\n", i, (long)(intptr_t)r, destroyed[i]);
	}
	printf("destructor calls %d\n", destroy_calls);
	int mine = 42;
	pthread_setspecific(key2, &mine);
	printf("main value %d\n", *(int *)pthread_getspecific(key2));
	printf("delete %d\n", pthread_key_delete(key2));
	/* After deletion no destructor runs for threads that set the old key. */
	pthread_t x;
	pthread_create(&x, NULL, worker, (void *)(intptr_t)9);
	pthread_join(x, NULL);
	printf("destructor calls after delete %d, destroyed[9] %d\n", destroy_calls, destroyed[9]);
	pthread_key_t keys[100];
	int ok = 0;
	for (int i = 0; i < 100; i++)
		ok += pthread_key_create(&keys[i], NULL) == 0;
	for (int i = 0; i < 100; i++)
		pthread_setspecific(keys[i], (void *)(intptr_t)(i + 1));
	long sum = 0;
	for (int i = 0; i < 100; i++)
		sum += (long)(intptr_t)pthread_getspecific(keys[i]);
	printf("100 keys created %d sum %ld\n", ok, sum);
	return 0;
}
