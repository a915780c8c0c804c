/* malloc: random sizes with a fixed generator, contents checked, realloc
 * growth to 64 MiB, and about 200 MB allocated and freed in total. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>

static uint64_t state = 0x9e3779b97f4a7c15u;
static uint64_t next(void)
{
	state ^= state << 13;
	state ^= state >> 7;
	state ^= state << 17;
	return state;
}

#define SLOTS 512

int main(void)
{
	unsigned char *slot[SLOTS] = { 0 };
	size_t size[SLOTS] = { 0 };
	uint64_t total = 0, bad = 0;
	for (int round = 0; round < 40000; round++) {
		int i = next() % SLOTS;
		if (slot[i]) {
			for (size_t k = 0; k < size[i]; k += 97)
				if (slot[i][k] != (unsigned char)(i + k))
					bad++;
			free(slot[i]);
			slot[i] = 0;
		}
		uint64_t r = next();
		size_t n = (r & 3) == 0 ? r % 65536 + 1 : (r & 7) == 1 ? r % 600000 + 1 : r % 512 + 1;
		slot[i] = malloc(n);
		if (!slot[i]) {
			printf("malloc(%zu) failed at round %d\n", n, round);
			return 1;
		}
		size[i] = n;
		for (size_t k = 0; k < n; k += 97)
			slot[i][k] = (unsigned char)(i + k);
		total += n;
	}
	for (int i = 0; i < SLOTS; i++)
		free(slot[i]);
	printf("random churn: %s, bad bytes %llu\n", total > 200000000u ? "over 200 MB" : "under 200 MB",
	       (unsigned long long)bad);

	/* realloc growth to 64 MiB, keeping the contents */
	size_t n = 16;
	unsigned char *p = malloc(n);
	for (size_t k = 0; k < n; k++)
		p[k] = (unsigned char)k;
	while (n < 64u << 20) {
		size_t m = n * 2;
		p = realloc(p, m);
		if (!p) {
			printf("realloc to %zu failed\n", m);
			return 1;
		}
		for (size_t k = n; k < m; k++)
			p[k] = (unsigned char)k;
		n = m;
	}
	size_t wrong = 0;
	for (size_t k = 0; k < n; k++)
		if (p[k] != (unsigned char)k)
			wrong++;
	printf("realloc to %zu MiB: %zu wrong bytes\n", n >> 20, wrong);
	p = realloc(p, 100);
	printf("shrunk: %d %d\n", p[0], p[99]);
	free(p);

	/* calloc zeroes, aligned_alloc aligns */
	unsigned *z = calloc(1 << 20, sizeof *z);
	size_t nonzero = 0;
	for (size_t k = 0; k < 1 << 20; k++)
		nonzero += z[k] != 0;
	printf("calloc nonzero %zu\n", nonzero);
	free(z);
	void *a = aligned_alloc(4096, 8192);
	printf("aligned: %d\n", ((uintptr_t)a & 4095) == 0);
	free(a);
	printf("malloc(huge) %s\n", malloc((size_t)1 << 62) ? "succeeded" : "failed");
	return 0;
}
