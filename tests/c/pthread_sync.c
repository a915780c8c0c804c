/* Read-write locks (many readers at once, writers exclusive, tryrdlock/trywrlock EBUSY), barriers (one PTHREAD_BARRIER_SERIAL_THREAD per round) and spinlocks, with 8 threads. */
#include <stdio.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>

#define T 8
#define ROUNDS 50

static pthread_rwlock_t rw = PTHREAD_RWLOCK_INITIALIZER;
static pthread_barrier_t bar;
static pthread_spinlock_t spin;
static long shared[16];
static atomic_int readers_now, max_readers, serials, torn;
static long spin_count;
static int phase_log[ROUNDS][T];

static void *worker(void *arg)
{
	long id = (long)arg;
	for (int r = 0; r < ROUNDS; r++) {
		/* Every thread records the round it is in; after the barrier all must agree. */
		phase_log[r][id] = r;
		int s = pthread_barrier_wait(&bar);
		if (s == PTHREAD_BARRIER_SERIAL_THREAD)
			atomic_fetch_add(&serials, 1);
		else if (s != 0)
			printf("barrier error %d\n", s);
		if ((r + id) % 4 == 0) {
			pthread_rwlock_wrlock(&rw);
			for (int i = 0; i < 16; i++)
				shared[i]++;
			pthread_rwlock_unlock(&rw);
		} else {
			pthread_rwlock_rdlock(&rw);
			int now = atomic_fetch_add(&readers_now, 1) + 1;
			int m = atomic_load(&max_readers);
			while (now > m && !atomic_compare_exchange_weak(&max_readers, &m, now))
				;
			for (int i = 1; i < 16; i++)
				if (shared[i] != shared[0])
					atomic_fetch_add(&torn, 1);
			atomic_fetch_sub(&readers_now, 1);
			pthread_rwlock_unlock(&rw);
		}
		for (int i = 0; i < 100; i++) {
			pthread_spin_lock(&spin);
			spin_count++;
			pthread_spin_unlock(&spin);
		}
	}
	return NULL;
}

int main(void)
{
	pthread_barrier_init(&bar, NULL, T);
	pthread_spin_init(&spin, PTHREAD_PROCESS_PRIVATE);
	pthread_t t[T];
	for (long i = 0; i < T; i++)
		pthread_create(&t[i], NULL, worker, (void *)i);
	for (int i = 0; i < T; i++)
		pthread_join(t[i], NULL);
	long writes = 0;
	for (int r = 0; r < ROUNDS; r++)
		for (int id = 0; id < T; id++)
			writes += (r + id) % 4 == 0;
	int phases_ok = 1;
	for (int r = 0; r < ROUNDS; r++)
		for (int id = 0; id < T; id++)
			phases_ok &= phase_log[r][id] == r;
	printf("serial threads %d (rounds %d), phases ok %d\n", atomic_load(&serials), ROUNDS, phases_ok);
	printf("writes %ld shared[0] %ld shared[15] %ld torn reads %d\n", writes, shared[0], shared[15], atomic_load(&torn));
	printf("max readers at once >= 1: %d, never above %d: %d\n", atomic_load(&max_readers) >= 1, T,
	       atomic_load(&max_readers) <= T);
	printf("spin count %ld (expected %d)\n", spin_count, T * ROUNDS * 100);

	/* Single-thread semantics of try operations. */
	int a = pthread_rwlock_rdlock(&rw);
	int b = pthread_rwlock_tryrdlock(&rw);
	int c = pthread_rwlock_trywrlock(&rw);
	printf("rdlock %d, second rdlock %d, trywrlock EBUSY %d\n", a, b, c == EBUSY);
	pthread_rwlock_unlock(&rw);
	pthread_rwlock_unlock(&rw);
	a = pthread_rwlock_wrlock(&rw);
	b = pthread_rwlock_tryrdlock(&rw);
	c = pthread_rwlock_trywrlock(&rw);
	printf("wrlock %d, tryrdlock EBUSY %d, trywrlock EBUSY %d\n", a, b == EBUSY, c == EBUSY);
	pthread_rwlock_unlock(&rw);
	a = pthread_spin_trylock(&spin);
	b = pthread_spin_trylock(&spin);
	printf("spin trylock %d then EBUSY %d\n", a, b == EBUSY);
	pthread_spin_unlock(&spin);
	pthread_barrier_destroy(&bar);
	pthread_barrier_init(&bar, NULL, 1);
	printf("barrier of 1: serial %d\n", pthread_barrier_wait(&bar) == PTHREAD_BARRIER_SERIAL_THREAD);
	pthread_barrier_destroy(&bar);
	printf("barrier count 0: EINVAL %d\n", pthread_barrier_init(&bar, NULL, 0) == EINVAL);
	pthread_spin_destroy(&spin);
	pthread_rwlock_destroy(&rw);
	return 0;
}
