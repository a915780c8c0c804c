/* 12 threads share real work: a parallel prime sieve count, matrix multiply rows, and a parallel merge sort, each checked against the single-threaded result. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <pthread.h>

#define T 12
#define LIMIT 300000
#define MN 96
#define SN 60000

static unsigned char composite[LIMIT + 1];
static long prime_counts[T];
static double A[MN][MN], B[MN][MN], C[MN][MN], C1[MN][MN];
static int data[SN], tmp[SN], ref[SN];

static void *count_primes(void *arg)
{
	long id = (long)arg, count = 0;
	for (long n = 2 + id; n <= LIMIT; n += T) {
		int prime = 1;
		for (long d = 2; d * d <= n; d++)
			if (n % d == 0) {
				prime = 0;
				break;
			}
		count += prime;
	}
	prime_counts[id] = count;
	return NULL;
}

static void *mul_rows(void *arg)
{
	long id = (long)arg;
	for (int i = id; i < MN; i += T)
		for (int j = 0; j < MN; j++) {
			double s = 0;
			for (int k = 0; k < MN; k++)
				s += A[i][k] * B[k][j];
			C[i][j] = s;
		}
	return NULL;
}

static int cmp(const void *a, const void *b) { return (*(int *)a > *(int *)b) - (*(int *)a < *(int *)b); }

static void *sort_part(void *arg)
{
	long id = (long)arg;
	int lo = SN * id / T, hi = SN * (id + 1) / T;
	qsort(data + lo, hi - lo, sizeof *data, cmp);
	return NULL;
}

static void run(void *(*f)(void *))
{
	pthread_t t[T];
	for (long i = 0; i < T; i++)
		if (pthread_create(&t[i], NULL, f, (void *)i) != 0)
			printf("pthread_create %ld failed\n", i);
	for (int i = 0; i < T; i++)
		pthread_join(t[i], NULL);
}

int main(void)
{
	run(count_primes);
	long total = 0;
	for (int i = 0; i < T; i++)
		total += prime_counts[i];
	for (long i = 2; i * i <= LIMIT; i++)
		if (!composite[i])
			for (long j = i * i; j <= LIMIT; j += i)
				composite[j] = 1;
	long sieve = 0;
	for (long i = 2; i <= LIMIT; i++)
		sieve += !composite[i];
	printf("primes up to %d: threads %ld sieve %ld\n", LIMIT, total, sieve);

	for (int i = 0; i < MN; i++)
		for (int j = 0; j < MN; j++) {
			A[i][j] = (i * 7 + j * 3) % 11 - 5;
			B[i][j] = (i * 5 + j * 13) % 17 - 8;
		}
	run(mul_rows);
	for (int i = 0; i < MN; i++)
		for (int j = 0; j < MN; j++) {
			double s = 0;
			for (int k = 0; k < MN; k++)
				s += A[i][k] * B[k][j];
			C1[i][j] = s;
		}
	double trace = 0;
	for (int i = 0; i < MN; i++)
		trace += C[i][i];
	printf("matrix: same %d trace %.0f corner %.0f\n", !memcmp(C, C1, sizeof C), trace, C[MN - 1][0]);

	uint32_t x = 12345;
	for (int i = 0; i < SN; i++) {
		x = x * 1103515245 + 12345;
		data[i] = ref[i] = (int)(x >> 8) % 100000;
	}
	run(sort_part);
	/* Merge the T sorted runs. */
	int pos[T];
	for (int i = 0; i < T; i++)
		pos[i] = SN * i / T;
	for (int k = 0; k < SN; k++) {
		int best = -1;
		for (int i = 0; i < T; i++)
			if (pos[i] < SN * (i + 1) / T && (best < 0 || data[pos[i]] < data[pos[best]]))
				best = i;
		tmp[k] = data[pos[best]++];
	}
	qsort(ref, SN, sizeof *ref, cmp);
	printf("parallel sort matches: %d min %d max %d median %d\n", !memcmp(tmp, ref, sizeof ref), tmp[0], tmp[SN - 1],
	       tmp[SN / 2]);
	return 0;
}
