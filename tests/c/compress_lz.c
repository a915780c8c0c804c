/* Compression round trips on deterministic inputs: run-length coding, an LZ77 coder with a hash chain, and canonical Huffman code lengths; sizes and checksums printed, decoded data compared with the original. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>

static uint32_t crc32(const uint8_t *p, size_t n)
{
	uint32_t c = 0xffffffffu;
	for (size_t i = 0; i < n; i++) {
		c ^= p[i];
		for (int k = 0; k < 8; k++)
			c = (c >> 1) ^ (0xedb88320u & -(c & 1));
	}
	return ~c;
}

static size_t rle_enc(const uint8_t *in, size_t n, uint8_t *out)
{
	size_t o = 0;
	for (size_t i = 0; i < n;) {
		size_t r = 1;
		while (i + r < n && in[i + r] == in[i] && r < 255)
			r++;
		out[o++] = (uint8_t)r;
		out[o++] = in[i];
		i += r;
	}
	return o;
}

static size_t rle_dec(const uint8_t *in, size_t n, uint8_t *out)
{
	size_t o = 0;
	for (size_t i = 0; i < n; i += 2)
		for (int k = 0; k < in[i]; k++)
			out[o++] = in[i + 1];
	return o;
}

/* LZ77 tokens: 0 lit | 1 len(1) dist(2). */
#define WIN 4096
#define HBITS 12
static size_t lz_enc(const uint8_t *in, size_t n, uint8_t *out)
{
	static int32_t head[1 << HBITS], prev[1 << 20];
	memset(head, -1, sizeof head);
	size_t o = 0;
	for (size_t i = 0; i < n;) {
		size_t best = 0, bdist = 0;
		if (i + 3 <= n) {
			uint32_t h = ((in[i] << 8) ^ (in[i + 1] << 4) ^ in[i + 2]) & ((1 << HBITS) - 1);
			int chain = 32;
			for (int32_t j = head[h]; j >= 0 && i - j <= WIN && chain--; j = prev[j]) {
				size_t l = 0;
				while (i + l < n && l < 255 && in[j + l] == in[i + l])
					l++;
				if (l > best) {
					best = l;
					bdist = i - j;
				}
			}
			prev[i] = head[h];
			head[h] = (int32_t)i;
		}
		if (best >= 4) {
			out[o++] = 1;
			out[o++] = (uint8_t)best;
			out[o++] = (uint8_t)(bdist >> 8);
			out[o++] = (uint8_t)bdist;
			for (size_t k = 1; k < best; k++)
				if (i + k + 3 <= n) {
					uint32_t h = ((in[i + k] << 8) ^ (in[i + k + 1] << 4) ^ in[i + k + 2]) & ((1 << HBITS) - 1);
					prev[i + k] = head[h];
					head[h] = (int32_t)(i + k);
				}
			i += best;
		} else {
			out[o++] = 0;
			out[o++] = in[i++];
		}
	}
	return o;
}

static size_t lz_dec(const uint8_t *in, size_t n, uint8_t *out)
{
	size_t o = 0;
	for (size_t i = 0; i < n;) {
		if (in[i] == 0) {
			out[o++] = in[i + 1];
			i += 2;
		} else {
			size_t len = in[i + 1], dist = (size_t)in[i + 2] << 8 | in[i + 3];
			for (size_t k = 0; k < len; k++, o++)
				out[o] = out[o - dist];
			i += 4;
		}
	}
	return o;
}

/* Huffman code lengths by repeatedly merging the two lightest nodes. */
static long huffman_bits(const uint8_t *in, size_t n, int *maxlen)
{
	long freq[512] = { 0 };
	int parent[512], nodes = 256;
	for (size_t i = 0; i < n; i++)
		freq[in[i]]++;
	int alive[512] = { 0 };
	for (int s = 0; s < 256; s++)
		alive[s] = freq[s] > 0;
	for (;;) {
		int a = -1, b = -1;
		for (int k = 0; k < nodes; k++) {
			if (!alive[k])
				continue;
			if (a < 0 || freq[k] < freq[a]) {
				b = a;
				a = k;
			} else if (b < 0 || freq[k] < freq[b])
				b = k;
		}
		if (b < 0)
			break;
		freq[nodes] = freq[a] + freq[b];
		alive[nodes] = 1;
		alive[a] = alive[b] = 0;
		parent[a] = parent[b] = nodes;
		parent[nodes] = -1;
		nodes++;
	}
	long bits = 0;
	*maxlen = 0;
	long f0[256] = { 0 };
	for (size_t i = 0; i < n; i++)
		f0[in[i]]++;
	for (int s = 0; s < 256; s++) {
		if (!f0[s])
			continue;
		int len = 0;
		for (int k = s; parent[k] >= 0 && k != nodes - 1; k = parent[k])
			len++;
		bits += f0[s] * len;
		if (len > *maxlen)
			*maxlen = len;
	}
	return bits;
}

int main(void)
{
	enum { N = 300000 };
	uint8_t *in = malloc(N), *enc = malloc(2 * N + 16), *dec = malloc(N + 256);
	const char *words[] = { "capability ", "kernel ", "ring ", "endpoint ", "process ", "the ", "a ", "of ", "\n" };
	uint32_t x = 7;
	for (int kind = 0; kind < 3; kind++) {
		size_t n = 0;
		while (n < N - 16) {
			x = x * 1664525u + 1013904223u;
			if (kind == 0) {
				const char *w = words[(x >> 20) % 9];
				size_t l = strlen(w);
				memcpy(in + n, w, l);
				n += l;
			} else if (kind == 1) {
				size_t run = (x >> 24) % 40 + 1;
				memset(in + n, 'a' + (x >> 8) % 4, run);
				n += run;
			} else {
				in[n++] = (uint8_t)(x >> 24);
			}
		}
		printf("input %d: %zu bytes crc %08x\n", kind, n, crc32(in, n));
		size_t e = rle_enc(in, n, enc), d = rle_dec(enc, e, dec);
		printf("  rle %zu -> %zu, round trip %d\n", n, e, d == n && !memcmp(in, dec, n));
		e = lz_enc(in, n, enc);
		d = lz_dec(enc, e, dec);
		printf("  lz77 %zu -> %zu crc %08x, round trip %d\n", n, e, crc32(enc, e), d == n && !memcmp(in, dec, n));
		int maxlen;
		long bits = huffman_bits(in, n, &maxlen);
		printf("  huffman %ld bits (%ld bytes), longest code %d\n", bits, (bits + 7) / 8, maxlen);
	}
	free(in);
	free(enc);
	free(dec);
	return 0;
}
