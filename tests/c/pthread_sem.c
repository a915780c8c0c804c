/* Unnamed semaphores: sem_init/wait/post/trywait/getvalue/timedwait, a bounded buffer with 4 producers and 4 consumers, EAGAIN and ETIMEDOUT. */
#include <stdio.h>
#include <errno.h>
#include <time.h>
#include <pthread.h>
#include <semaphore.h>

#define SLOTS 8
#define PER 500

static sem_t empty, full, mutex;
static int buf[SLOTS], in, out;
static long consumed[4];

static void *producer(void *arg)
{
	long id = (long)arg;
	for (int i = 1; i <= PER; i++) {
		sem_wait(&empty);
		sem_wait(&mutex);
		buf[in++ % SLOTS] = (int)(id * 10000 + i);
		sem_post(&mutex);
		sem_post(&full);
	}
	return NULL;
}

static void *consumer(void *arg)
{
	long id = (long)arg;
	for (int i = 0; i < PER; i++) {
		sem_wait(&full);
		sem_wait(&mutex);
		consumed[id] += buf[out++ % SLOTS];
		sem_post(&mutex);
		sem_post(&empty);
	}
	return NULL;
}

int main(void)
{
	sem_t s;
	int v;
	printf("init %d\n", sem_init(&s, 0, 3));
	sem_getvalue(&s, &v);
	printf("value %d\n", v);
	printf("trywait: %d %d %d\n", sem_trywait(&s), sem_trywait(&s), sem_trywait(&s));
	int r = sem_trywait(&s);
	printf("trywait at 0: %d EAGAIN %d\n", r, errno == EAGAIN);
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_nsec += 50 * 1000000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	r = sem_timedwait(&s, &ts);
	printf("timedwait at 0: %d ETIMEDOUT %d\n", r, errno == ETIMEDOUT);
	for (int i = 0; i < 5; i++)
		sem_post(&s);
	sem_getvalue(&s, &v);
	printf("after 5 posts %d\n", v);
	r = sem_timedwait(&s, &ts);
	printf("timedwait with value: %d\n", r);
	sem_destroy(&s);

	sem_init(&empty, 0, SLOTS);
	sem_init(&full, 0, 0);
	sem_init(&mutex, 0, 1);
	pthread_t p[4], c[4];
	for (long i = 0; i < 4; i++) {
		pthread_create(&p[i], NULL, producer, (void *)i);
		pthread_create(&c[i], NULL, consumer, (void *)i);
	}
	for (int i = 0; i < 4; i++) {
		pthread_join(p[i], NULL);
		pthread_join(c[i], NULL);
	}
	long sum = 0;
	for (int i = 0; i < 4; i++)
		sum += consumed[i];
	long expect = 0;
	for (long id = 0; id < 4; id++)
		for (int i = 1; i <= PER; i++)
			expect += id * 10000 + i;
	sem_getvalue(&empty, &v);
	int vf;
	sem_getvalue(&full, &vf);
	printf("sum %ld expected %ld, empty %d full %d, items %d\n", sum, expect, v, vf, in);
	return 0;
}
