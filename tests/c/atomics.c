/* C11 <stdatomic.h> with 8 threads: fetch_add/sub/or/and/xor, compare_exchange loops, exchange-based spinlock, atomic_flag, and release/acquire message passing. */
#include <stdio.h>
#include <stdatomic.h>
#include <stdint.h>
#include <pthread.h>

#define T 8
#define N 20000

static atomic_long counter;
static atomic_int cas_counter;
static atomic_uint bits;
static atomic_flag flag_lock = ATOMIC_FLAG_INIT;
static long flag_protected;
static atomic_int xchg_lock;
static long xchg_protected;
static atomic_llong maxv;
static int payload;
static atomic_int published;

static void *work(void *arg)
{
	long id = (long)arg;
	for (int i = 0; i < N; i++) {
		atomic_fetch_add(&counter, 3);
		atomic_fetch_sub_explicit(&counter, 1, memory_order_relaxed);
		int old = atomic_load(&cas_counter);
		while (!atomic_compare_exchange_weak(&cas_counter, &old, old + 1))
			;
		while (atomic_flag_test_and_set_explicit(&flag_lock, memory_order_acquire))
			;
		flag_protected++;
		atomic_flag_clear_explicit(&flag_lock, memory_order_release);
		while (atomic_exchange(&xchg_lock, 1))
			;
		xchg_protected += 2;
		atomic_store(&xchg_lock, 0);
		long long v = id * N + i, m = atomic_load(&maxv);
		while (v > m && !atomic_compare_exchange_strong(&maxv, &m, v))
			;
	}
	atomic_fetch_or(&bits, 1u << id);
	atomic_fetch_xor(&bits, 1u << (id + 16));
	return NULL;
}

static void *consumer(void *arg)
{
	(void)arg;
	while (!atomic_load_explicit(&published, memory_order_acquire))
		;
	return (void *)(intptr_t)payload;
}

int main(void)
{
	printf("lock free: int %d long %d llong %d pointer %d\n", ATOMIC_INT_LOCK_FREE, ATOMIC_LONG_LOCK_FREE,
	       ATOMIC_LLONG_LOCK_FREE, ATOMIC_POINTER_LOCK_FREE);
	atomic_init(&bits, 0);
	pthread_t t[T];
	for (long i = 0; i < T; i++)
		pthread_create(&t[i], NULL, work, (void *)i);
	for (int i = 0; i < T; i++)
		pthread_join(t[i], NULL);
	printf("counter %ld (expected %d)\n", atomic_load(&counter), T * N * 2);
	printf("cas counter %d flag-protected %ld xchg-protected %ld\n", atomic_load(&cas_counter), flag_protected,
	       xchg_protected);
	printf("max %lld bits %#x\n", atomic_load(&maxv), atomic_load(&bits));
	atomic_fetch_and(&bits, 0xff);
	printf("after and %#x\n", atomic_load(&bits));
	int expected = 5;
	atomic_int x = 7;
	int ok = atomic_compare_exchange_strong(&x, &expected, 9);
	printf("cas fails: %d expected becomes %d\n", ok, expected);
	ok = atomic_compare_exchange_strong(&x, &expected, 9);
	printf("cas succeeds: %d value %d\n", ok, atomic_load(&x));
	printf("exchange returns %d\n", atomic_exchange(&x, 1));
	pthread_t c;
	pthread_create(&c, NULL, consumer, NULL);
	payload = 4242;
	atomic_store_explicit(&published, 1, memory_order_release);
	void *r;
	pthread_join(c, &r);
	printf("message passing: %ld\n", (long)(intptr_t)r);
	return 0;
}
