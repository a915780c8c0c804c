/* Sparse files: lseek past the end then write leaves a hole that reads back as zeros; ftruncate grows with zeros; pread/pwrite past the end. */
#include <stdio.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/stat.h>

int main(int argc, char **argv)
{
	if (argc < 2 || chdir(argv[1]) != 0)
		return 1;
	static char buf[200000];
	int fd = open("hole.bin", O_CREAT | O_RDWR | O_TRUNC, 0644);
	write(fd, "start", 5);
	printf("seek past end: %ld\n", (long)lseek(fd, 100000, SEEK_SET));
	struct stat st;
	fstat(fd, &st);
	printf("size before write %lld\n", (long long)st.st_size);
	write(fd, "end", 3);
	fstat(fd, &st);
	printf("size after write %lld\n", (long long)st.st_size);
	lseek(fd, 0, SEEK_SET);
	ssize_t n = read(fd, buf, sizeof buf);
	long zeros = 0, other = 0;
	for (ssize_t i = 5; i < 100000; i++)
		buf[i] == 0 ? zeros++ : other++;
	printf("read %zd: [%.5s] zeros %ld other %ld tail [%.3s]\n", n, buf, zeros, other, buf + 100000);
	printf("pwrite far: %zd\n", pwrite(fd, "far", 3, 150000));
	fstat(fd, &st);
	printf("size %lld offset unchanged %ld\n", (long long)st.st_size, (long)lseek(fd, 0, SEEK_CUR));
	memset(buf, 1, 10);
	n = pread(fd, buf, 10, 120000);
	printf("pread in second hole: %zd bytes %d %d\n", n, buf[0], buf[9]);
	printf("pread past end: %zd\n", pread(fd, buf, 10, 200000));
	long at = (long)lseek(fd, 500000, SEEK_SET);
	printf("read at offset past end: %ld %zd\n", at, read(fd, buf, 10));
	ftruncate(fd, 10);
	ftruncate(fd, 4096);
	memset(buf, 7, 4096);
	n = pread(fd, buf, 4096, 0);
	zeros = 0;
	for (int i = 10; i < 4096; i++)
		zeros += buf[i] == 0;
	printf("shrink then grow: %zd bytes [%.5s] zeros after 10: %ld\n", n, buf, zeros);
	close(fd);
	unlink("hole.bin");
	return 0;
}
