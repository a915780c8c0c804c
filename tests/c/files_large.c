/* An 8 MiB file written in odd-sized chunks, read back in other sizes, with checksums and random-access checks. */
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/stat.h>

#define SIZE (8u << 20)

static uint8_t byte_at(uint32_t i) { return (uint8_t)((i * 2654435761u) >> 13); }

int main(int argc, char **argv)
{
	if (argc < 2 || chdir(argv[1]) != 0)
		return 1;
	uint8_t *buf = malloc(1 << 20);
	int fd = open("big.bin", O_CREAT | O_WRONLY | O_TRUNC, 0644);
	uint32_t off = 0, chunk = 1;
	uint64_t sum = 0;
	while (off < SIZE) {
		uint32_t n = chunk;
		if (n > SIZE - off)
			n = SIZE - off;
		for (uint32_t i = 0; i < n; i++) {
			buf[i] = byte_at(off + i);
			sum = sum * 131 + buf[i];
		}
		if (write(fd, buf, n) != (ssize_t)n) {
			printf("short write at %u\n", off);
			return 1;
		}
		off += n;
		chunk = chunk * 3 + 7;
		if (chunk > (1 << 20))
			chunk = 12345;
	}
	close(fd);
	printf("written %u bytes, checksum %llu\n", off, (unsigned long long)sum);
	struct stat st;
	stat("big.bin", &st);
	printf("stat size %lld\n", (long long)st.st_size);
	const uint32_t sizes[] = { 4096, 65536, 1 << 20, 1000 };
	for (unsigned s = 0; s < 4; s++) {
		fd = open("big.bin", O_RDONLY);
		uint64_t sum2 = 0;
		uint32_t total = 0;
		ssize_t n;
		while ((n = read(fd, buf, sizes[s])) > 0) {
			for (ssize_t i = 0; i < n; i++)
				sum2 = sum2 * 131 + buf[i];
			total += n;
		}
		close(fd);
		printf("read in %u-byte requests: %u bytes, checksum %s\n", sizes[s], total, sum2 == sum ? "same" : "DIFFERENT");
	}
	fd = open("big.bin", O_RDONLY);
	int bad = 0;
	for (uint32_t k = 0; k < 200; k++) {
		uint32_t pos = (k * 40503u * 977u) % (SIZE - 16);
		uint8_t b[16];
		pread(fd, b, 16, pos);
		for (int i = 0; i < 16; i++)
			bad += b[i] != byte_at(pos + i);
	}
	close(fd);
	printf("random preads: %d bad bytes\n", bad);
	unlink("big.bin");
	free(buf);
	return 0;
}
