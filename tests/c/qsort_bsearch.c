/* qsort of integers, strings and structs (a stable-independent check),
 * bsearch for present and absent keys. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>

static uint32_t state = 12345;
static uint32_t next(void)
{
	state = state * 1103515245 + 12345;
	return state >> 8;
}

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	return (x > y) - (x < y);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

struct rec { int key; int id; };
static int cmp_rec(const void *a, const void *b)
{
	const struct rec *x = a, *y = b;
	if (x->key != y->key)
		return x->key - y->key;
	return x->id - y->id;
}

int main(void)
{
	enum { N = 100000 };
	int *v = malloc(N * sizeof *v);
	for (int i = 0; i < N; i++)
		v[i] = (int)(next() % 1000000) - 500000;
	qsort(v, N, sizeof *v, cmp_int);
	int sorted = 1;
	long long sum = 0;
	for (int i = 0; i < N; i++) {
		if (i && v[i - 1] > v[i])
			sorted = 0;
		sum += v[i];
	}
	printf("sorted %d sum %lld min %d max %d median %d\n", sorted, sum, v[0], v[N - 1], v[N / 2]);
	for (int k = -500000; k < 500000; k += 99991) {
		int *hit = bsearch(&k, v, N, sizeof *v, cmp_int);
		printf("bsearch %d: %s\n", k, hit ? "found" : "absent");
	}
	int key = v[12345];
	printf("bsearch present: %d\n", *(int *)bsearch(&key, v, N, sizeof *v, cmp_int) == key);
	free(v);

	char *words[] = { "pear", "apple", "fig", "banana", "cherry", "date", "elderberry", "grape", "apple", "kiwi" };
	qsort(words, 10, sizeof *words, cmp_str);
	for (int i = 0; i < 10; i++)
		printf("%s%c", words[i], i == 9 ? '\n' : ' ');

	struct rec r[1000];
	for (int i = 0; i < 1000; i++) {
		r[i].key = next() % 10;
		r[i].id = i;
	}
	qsort(r, 1000, sizeof *r, cmp_rec);
	for (int i = 0; i < 1000; i += 111)
		printf("rec %d: key %d id %d\n", i, r[i].key, r[i].id);
	return 0;
}
