/* Allocation: posix_memalign/aligned_alloc/memalign alignments, EINVAL for bad alignments, calloc zeroing and overflow, realloc to 0 and from NULL, a fragmentation pattern with contents checked. */
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <errno.h>
#include <malloc.h>

int main(void)
{
	const size_t aligns[] = { 8, 16, 32, 64, 256, 4096, 65536 };
	for (unsigned i = 0; i < sizeof aligns / sizeof *aligns; i++) {
		void *p = NULL;
		int r = posix_memalign(&p, aligns[i], 1000);
		void *q = aligned_alloc(aligns[i], aligns[i] * 3);
		printf("align %6zu: posix_memalign %d aligned %d, aligned_alloc aligned %d\n", aligns[i], r,
		       p && (uintptr_t)p % aligns[i] == 0, q && (uintptr_t)q % aligns[i] == 0);
		memset(p, 0xab, 1000);
		memset(q, 0xcd, aligns[i] * 3);
		free(p);
		free(q);
	}
	void *p = (void *)1;
	printf("posix_memalign(3): EINVAL %d\n", posix_memalign(&p, 3, 10) == EINVAL);
	printf("posix_memalign(4): EINVAL %d\n", posix_memalign(&p, 4, 10) == EINVAL);
	printf("malloc(0) freeable: %d\n", (free(malloc(0)), 1));
	unsigned char *z = calloc(1000, 37);
	int nonzero = 0;
	for (int i = 0; i < 37000; i++)
		nonzero += z[i] != 0;
	printf("calloc zeroed: %d nonzero\n", nonzero);
	free(z);
	errno = 0;
	void *big = calloc(SIZE_MAX / 2, 4);
	printf("calloc overflow: NULL %d ENOMEM %d\n", big == NULL, errno == ENOMEM);
	errno = 0;
	big = malloc(SIZE_MAX - 4096);
	printf("huge malloc: NULL %d ENOMEM %d\n", big == NULL, errno == ENOMEM);
	char *r = realloc(NULL, 10);
	strcpy(r, "123456789");
	r = realloc(r, 100000);
	printf("realloc keeps contents: %s\n", r);
	r = realloc(r, 3);
	printf("shrunk: %.3s\n", r);
	free(r);

	/* Fragmentation: allocate many blocks of varied sizes, free every third, refill, verify each block's pattern. */
	enum { N = 3000 };
	static unsigned char *blk[N];
	static size_t sz[N];
	uint32_t x = 1;
	for (int round = 0; round < 4; round++) {
		for (int i = 0; i < N; i++) {
			if (blk[i] && (i + round) % 3)
				continue;
			free(blk[i]);
			x = x * 1664525 + 1013904223;
			sz[i] = (x >> 16) % (round % 2 ? 5000 : 200) + 1;
			blk[i] = malloc(sz[i]);
			memset(blk[i], (i * 7 + round) & 0xff, sz[i]);
		}
		long bad = 0;
		for (int i = 0; i < N; i++) {
			int expect = blk[i][0];
			for (size_t k = 0; k < sz[i]; k++)
				bad += blk[i][k] != expect;
		}
		size_t total = 0;
		for (int i = 0; i < N; i++)
			total += sz[i];
		printf("round %d: %zu bytes live, %ld corrupted\n", round, total, bad);
	}
	for (int i = 0; i < N; i++)
		free(blk[i]);
	void *u = malloc(100);
	printf("usable size at least 100: %d\n", malloc_usable_size(u) >= 100);
	free(u);
	return 0;
}
