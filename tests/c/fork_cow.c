/* Copy-on-write fork: after a fork, parent and child write the same
 * global, heap and stack pages in turn (synchronised by pipes) and each
 * sees only its own writes; writes made by the system on a process's
 * behalf (read() from a pipe and from a file into a buffer shared since
 * the fork) reach that process only; mprotect and munmap in one process
 * change nothing in the other; a grandchild's writes reach neither; a big
 * heap is forked many times, each child changing a few pages. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

static int global_data = 1;
static char global_bss[3 * 4096];
static char read_target[8192];

static int failures;

static void check(const char *who, const char *what, int ok)
{
	if (!ok) {
		printf("%s: FAIL %s\n", who, what);
		failures++;
	}
}

/* One byte through a pipe: a turn is passed. */
static void pass(int fd)
{
	char c = 't';
	if (write(fd, &c, 1) != 1)
		_exit(90);
}

static void await(int fd)
{
	char c;
	if (read(fd, &c, 1) != 1)
		_exit(91);
}

static void open_pipes(int a[2], int b[2])
{
	if (pipe(a) || pipe(b))
		exit(2);
}

static void close_pipes(int a[2], int b[2])
{
	close(a[0]);
	close(a[1]);
	close(b[0]);
	close(b[1]);
}

static int sum(const char *p, size_t n)
{
	int s = 0;
	for (size_t i = 0; i < n; i += 512)
		s += p[i];
	return s;
}

/* Parent and child write the same pages in turn. */
static void turns(void)
{
	char stack_page[4096];
	memset(stack_page, 's', sizeof stack_page);
	char *heap = malloc(64 * 1024);
	memset(heap, 'h', 64 * 1024);
	memset(global_bss, 'b', sizeof global_bss);
	global_data = 10;
	int to_child[2], to_parent[2];
	open_pipes(to_child, to_parent);
	fflush(stdout);
	pid_t kid = fork();
	if (kid == 0) {
		/* The child writes first; the parent then checks it saw none of it. */
		global_data = 20;
		global_bss[4096] = 'C';
		heap[5000] = 'C';
		stack_page[100] = 'C';
		pass(to_parent[1]);
		await(to_child[0]);
		/* The parent wrote the same places: the child still sees its own. */
		int ok = global_data == 20 && global_bss[4096] == 'C' && heap[5000] == 'C' && stack_page[100] == 'C';
		ok = ok && global_bss[0] == 'b' && heap[0] == 'h' && stack_page[0] == 's';
		_exit(ok ? 0 : 1);
	}
	await(to_parent[0]);
	check("parent", "sees its own global", global_data == 10);
	check("parent", "sees its own bss", global_bss[4096] == 'b');
	check("parent", "sees its own heap", heap[5000] == 'h');
	check("parent", "sees its own stack", stack_page[100] == 's');
	global_data = 30;
	global_bss[4096] = 'P';
	heap[5000] = 'P';
	stack_page[100] = 'P';
	pass(to_child[1]);
	int status = 0;
	waitpid(kid, &status, 0);
	check("parent", "the child saw only its own writes", WIFEXITED(status) && WEXITSTATUS(status) == 0);
	check("parent", "keeps its writes", global_data == 30 && global_bss[4096] == 'P' && heap[5000] == 'P');
	printf("turns: parent %d %c %c %c, child status %d\n", global_data, global_bss[4096], heap[5000],
	       stack_page[100], WEXITSTATUS(status));
	free(heap);
	close_pipes(to_child, to_parent);
}

/* read() fills a buffer shared since the fork: only the reader's copy
 * changes. */
static void reads(const char *dir)
{
	memset(read_target, '.', sizeof read_target);
	char path[512];
	snprintf(path, sizeof path, "%s/fork_cow.txt", dir);
	int fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0644);
	if (fd < 0 || write(fd, "from the file", 13) != 13)
		exit(3);
	close(fd);
	int data[2], done[2];
	open_pipes(data, done);
	fflush(stdout);
	pid_t kid = fork();
	if (kid == 0) {
		/* Across a page boundary of the shared buffer. */
		ssize_t n = read(data[0], read_target + 4090, 12);
		int fd = open(path, O_RDONLY);
		ssize_t m = fd < 0 ? -1 : read(fd, read_target + 100, 13);
		int ok = n == 12 && memcmp(read_target + 4090, "to the child", 12) == 0 && m == 13 &&
			 memcmp(read_target + 100, "from the file", 13) == 0;
		pass(done[1]);
		_exit(ok ? 0 : 1);
	}
	if (write(data[1], "to the child", 12) != 12)
		exit(4);
	await(done[0]);
	int untouched = 1;
	for (size_t i = 0; i < sizeof read_target; i++)
		untouched &= read_target[i] == '.';
	check("parent", "the child's reads did not reach its buffer", untouched);
	/* Now the parent reads into the buffer the child shared. */
	fd = open(path, O_RDONLY);
	ssize_t m = fd < 0 ? -1 : read(fd, read_target + 4094, 13);
	close(fd);
	check("parent", "reads into its own buffer", m == 13 && memcmp(read_target + 4094, "from the file", 13) == 0);
	int status = 0;
	waitpid(kid, &status, 0);
	check("parent", "the child read into its own buffer", WIFEXITED(status) && WEXITSTATUS(status) == 0);
	printf("reads: child status %d, parent buffer %.13s\n", WEXITSTATUS(status), read_target + 4094);
	unlink(path);
	close_pipes(data, done);
}

/* mprotect and munmap of pages shared since the fork act on one side. */
static void remaps(void)
{
	char *p = mmap(NULL, 3 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		exit(6);
	memset(p, 'm', 3 * 4096);
	int to_child[2], to_parent[2];
	open_pipes(to_child, to_parent);
	fflush(stdout);
	pid_t kid = fork();
	if (kid == 0) {
		int ok = mprotect(p, 4096, PROT_READ) == 0 && mprotect(p, 4096, PROT_READ | PROT_WRITE) == 0;
		p[0] = 'c';
		ok = ok && munmap(p + 4096, 4096) == 0;
		pass(to_parent[1]);
		await(to_child[0]);
		ok = ok && p[0] == 'c' && p[2 * 4096] == 'm';
		_exit(ok ? 0 : 1);
	}
	await(to_parent[0]);
	check("parent", "the child's mprotect and write left its page", p[0] == 'm');
	check("parent", "the child's munmap left its page", p[4096] == 'm');
	p[2 * 4096] = 'P';
	check("parent", "munmap of a shared page", munmap(p, 4096) == 0);
	pass(to_child[1]);
	int status = 0;
	waitpid(kid, &status, 0);
	check("parent", "the child kept its pages", WIFEXITED(status) && WEXITSTATUS(status) == 0);
	printf("remaps: parent %c %c, child status %d\n", p[4096], p[2 * 4096], WEXITSTATUS(status));
	munmap(p + 4096, 2 * 4096);
	close_pipes(to_child, to_parent);
}

/* Three generations write the same page. */
static void generations(void)
{
	global_data = 1;
	fflush(stdout);
	pid_t kid = fork();
	if (kid == 0) {
		global_data = 2;
		pid_t grandkid = fork();
		if (grandkid == 0) {
			global_data = 3;
			_exit(global_data);
		}
		int status = 0;
		waitpid(grandkid, &status, 0);
		_exit(global_data * 10 + WEXITSTATUS(status));
	}
	int status = 0;
	waitpid(kid, &status, 0);
	printf("generations: %d %d\n", global_data, WEXITSTATUS(status));
}

/* A 32 MiB heap forked 32 times: each child checks it and changes a few
 * pages; the parent's stays as it was. */
static void big_heap(void)
{
	size_t size = 32 << 20;
	char *heap = malloc(size);
	if (!heap)
		exit(5);
	for (size_t i = 0; i < size; i += 4096)
		heap[i] = (char)(i >> 12);
	int before = sum(heap, size);
	int good = 0;
	for (int round = 0; round < 32; round++) {
		fflush(stdout);
		pid_t kid = fork();
		if (kid == 0) {
			int ok = sum(heap, size) == before;
			for (int k = 0; k < 8; k++)
				heap[(size_t)(round * 8 + k) * 4096 * 16] = 'x';
			_exit(ok ? 0 : 1);
		}
		int status = 0;
		waitpid(kid, &status, 0);
		good += WIFEXITED(status) && WEXITSTATUS(status) == 0;
	}
	check("parent", "its big heap is unchanged", sum(heap, size) == before);
	printf("big heap: %d of 32 children saw it whole\n", good);
	free(heap);
}

int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : "/tmp";
	turns();
	reads(dir);
	remaps();
	generations();
	big_heap();
	printf("%s\n", failures ? "some checks failed" : "all checks passed");
	return failures != 0;
}
