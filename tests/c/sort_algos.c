/* Sorting algorithms on the same pseudo-random data (own LCG): insertion, shell, heap, merge, quick, radix and counting sort must agree with qsort; plus qsort of 200-byte structs by two keys and bsearch/lfind over them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <search.h>

#define N 20000
static uint32_t seed = 42;
static uint32_t next(void) { return seed = seed * 1103515245u + 12345u; }

static int cmpu(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return (x > y) - (x < y);
}

static void insertion(uint32_t *a, int n)
{
	for (int i = 1; i < n; i++) {
		uint32_t v = a[i];
		int j = i - 1;
		while (j >= 0 && a[j] > v) {
			a[j + 1] = a[j];
			j--;
		}
		a[j + 1] = v;
	}
}

static void shell(uint32_t *a, int n)
{
	for (int gap = n / 2; gap > 0; gap /= 2)
		for (int i = gap; i < n; i++) {
			uint32_t v = a[i];
			int j = i;
			for (; j >= gap && a[j - gap] > v; j -= gap)
				a[j] = a[j - gap];
			a[j] = v;
		}
}

static void sift(uint32_t *a, int start, int end)
{
	int root = start;
	while (2 * root + 1 <= end) {
		int child = 2 * root + 1, sw = root;
		if (a[sw] < a[child])
			sw = child;
		if (child + 1 <= end && a[sw] < a[child + 1])
			sw = child + 1;
		if (sw == root)
			return;
		uint32_t t = a[root];
		a[root] = a[sw];
		a[sw] = t;
		root = sw;
	}
}

static void heap(uint32_t *a, int n)
{
	for (int s = (n - 2) / 2; s >= 0; s--)
		sift(a, s, n - 1);
	for (int end = n - 1; end > 0; end--) {
		uint32_t t = a[end];
		a[end] = a[0];
		a[0] = t;
		sift(a, 0, end - 1);
	}
}

static uint32_t tmp[N];
static void merge(uint32_t *a, int n)
{
	if (n < 2)
		return;
	int m = n / 2;
	merge(a, m);
	merge(a + m, n - m);
	int i = 0, j = m, k = 0;
	while (i < m && j < n)
		tmp[k++] = a[i] <= a[j] ? a[i++] : a[j++];
	while (i < m)
		tmp[k++] = a[i++];
	while (j < n)
		tmp[k++] = a[j++];
	memcpy(a, tmp, n * sizeof *a);
}

static void quick(uint32_t *a, int lo, int hi)
{
	while (lo < hi) {
		uint32_t p = a[lo + (hi - lo) / 2];
		int i = lo, j = hi;
		while (i <= j) {
			while (a[i] < p)
				i++;
			while (a[j] > p)
				j--;
			if (i <= j) {
				uint32_t t = a[i];
				a[i++] = a[j];
				a[j--] = t;
			}
		}
		if (j - lo < hi - i) {
			quick(a, lo, j);
			lo = i;
		} else {
			quick(a, i, hi);
			hi = j;
		}
	}
}

static void radix(uint32_t *a, int n)
{
	for (int shift = 0; shift < 32; shift += 8) {
		int count[257] = { 0 };
		for (int i = 0; i < n; i++)
			count[((a[i] >> shift) & 0xff) + 1]++;
		for (int i = 0; i < 256; i++)
			count[i + 1] += count[i];
		for (int i = 0; i < n; i++)
			tmp[count[(a[i] >> shift) & 0xff]++] = a[i];
		memcpy(a, tmp, n * sizeof *a);
	}
}

struct big { int key1; char name[188]; int key2; uint32_t check; };

static int cmp_big(const void *a, const void *b)
{
	const struct big *x = a, *y = b;
	if (x->key1 != y->key1)
		return x->key1 - y->key1;
	return strcmp(x->name, y->name);
}

int main(void)
{
	static uint32_t orig[N], ref[N], work[N];
	for (int i = 0; i < N; i++)
		orig[i] = next() >> 4;
	memcpy(ref, orig, sizeof ref);
	qsort(ref, N, sizeof *ref, cmpu);
	struct { const char *name; int n; } algs[] = { { "insertion", 3000 }, { "shell", N }, { "heap", N },
						       { "merge", N }, { "quick", N }, { "radix", N } };
	for (int k = 0; k < 6; k++) {
		int n = algs[k].n;
		memcpy(work, orig, n * sizeof *work);
		switch (k) {
		case 0: insertion(work, n); break;
		case 1: shell(work, n); break;
		case 2: heap(work, n); break;
		case 3: merge(work, n); break;
		case 4: quick(work, 0, n - 1); break;
		case 5: radix(work, n); break;
		}
		int ok = 1;
		if (n == N)
			ok = !memcmp(work, ref, sizeof ref);
		for (int i = 1; i < n; i++)
			ok &= work[i - 1] <= work[i];
		printf("%-9s n=%d sorted and equal: %d first %u last %u\n", algs[k].name, n, ok, work[0], work[n - 1]);
	}
	/* Counting sort of small keys. */
	int counts[100] = { 0 };
	for (int i = 0; i < N; i++)
		counts[orig[i] % 100]++;
	printf("counting: key 0 x%d key 99 x%d\n", counts[0], counts[99]);

	enum { B = 2000 };
	struct big *recs = malloc(B * sizeof *recs);
	for (int i = 0; i < B; i++) {
		recs[i].key1 = next() % 50;
		snprintf(recs[i].name, sizeof recs[i].name, "name-%05u", next() % 100000);
		recs[i].key2 = i;
		recs[i].check = recs[i].key1 * 31u + recs[i].key2;
	}
	qsort(recs, B, sizeof *recs, cmp_big);
	int ok = 1, intact = 1;
	for (int i = 1; i < B; i++)
		ok &= cmp_big(&recs[i - 1], &recs[i]) <= 0;
	for (int i = 0; i < B; i++)
		intact &= recs[i].check == recs[i].key1 * 31u + recs[i].key2;
	printf("big structs sorted %d intact %d first %d/%s last %d/%s\n", ok, intact, recs[0].key1, recs[0].name,
	       recs[B - 1].key1, recs[B - 1].name);
	struct big key = recs[777];
	struct big *found = bsearch(&key, recs, B, sizeof *recs, cmp_big);
	printf("bsearch finds an equal record: %d\n", found && cmp_big(found, &key) == 0);
	strcpy(key.name, "zzz");
	printf("bsearch absent: %d\n", bsearch(&key, recs, B, sizeof *recs, cmp_big) == NULL);
	size_t nmemb = B;
	key = recs[1500];
	found = lfind(&key, recs, &nmemb, sizeof *recs, cmp_big);
	printf("lfind index of first equal <= 1500: %d\n", found && found - recs <= 1500);
	free(recs);
	return 0;
}
