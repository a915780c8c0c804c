/* Hostile uses of capOS's signal syscalls end the offending process (or
 * fail with an error), never the kernel: sigreturn with a frame at a bad
 * address or with kernel addresses in it, a handler whose stack is
 * unusable, a handler address in kernel memory, signals to processes the
 * caller may not signal (init, a process of another group it did not
 * start), unknown operations. capOS only; it checks itself and exits 0
 * when every check holds. */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* capos_abi::syscall: signal 8, sigreturn 9, process_group 10. */
static long raw(long n, long a, long b, long c, long d)
{
	long r;
	register long r10 __asm__("r10") = d;
	__asm__ volatile("syscall" : "=a"(r) : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10) : "rcx", "r11", "memory");
	return r;
}

static int failures;

static void check(int ok, const char *what)
{
	printf("%s %s\n", ok ? "ok  " : "FAIL", what);
	failures += !ok;
}

static void handler(int sig)
{
	(void)sig;
}

/* Runs `body` in a child; returns the signal that ended it (0 if it
 * exited). */
static int in_child(void (*body)(void))
{
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		body();
		_exit(0);
	}
	int status;
	waitpid(pid, &status, 0);
	return WIFSIGNALED(status) ? WTERMSIG(status) : 0;
}

static void bad_frame_address(void)
{
	raw(9, 0x10, 0, 0, 0);
}

static void kernel_address_frame(void)
{
	static uint64_t frame[64];
	memset(frame, 0, sizeof frame);
	frame[15] = 0xffffffff80001000ull; /* rip */
	frame[17] = (uint64_t)&frame[32];  /* rsp */
	raw(9, (long)frame, 0, 0, 0);
}

static void noncanonical_frame(void)
{
	static uint64_t frame[64];
	memset(frame, 0, sizeof frame);
	frame[15] = 0x0000900000000000ull;
	frame[17] = 0x8000000000000000ull;
	raw(9, (long)frame, 0, 0, 0);
}

static void unusable_stack(void)
{
	signal(SIGUSR1, handler);
	/* The handler's frame would go below a stack pointer of 0x100. */
	__asm__ volatile("mov %%rsp, %%rbx\n\tmov $0x100, %%rsp\n\t"
			 "mov $8, %%eax\n\tmov $3, %%edi\n\tmov %0, %%rsi\n\tmov $10, %%edx\n\tsyscall\n\t"
			 "mov %%rbx, %%rsp"
			 :
			 : "r"((long)getpid())
			 : "rax", "rbx", "rcx", "rdx", "rsi", "rdi", "r11", "memory");
}

int main(void)
{
	setvbuf(stdout, 0, _IOLBF, 0);
	check(in_child(bad_frame_address) == SIGSEGV, "sigreturn with an unmapped frame: SIGSEGV");
	check(in_child(kernel_address_frame) == SIGSEGV, "sigreturn to a kernel address: SIGSEGV");
	check(in_child(noncanonical_frame) == SIGSEGV, "sigreturn to a non-canonical address: SIGSEGV");
	check(in_child(unusable_stack) == SIGSEGV, "a handler with no room for its frame: SIGSEGV");

	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = (void (*)(int))0xffffffff80001000ull;
	errno = 0;
	int r = sigaction(SIGUSR1, &sa, 0);
	check(r == -1 && errno == EINVAL, "a handler in kernel memory: EINVAL");

	errno = 0;
	r = kill(1, SIGKILL);
	check(r == -1 && errno == EPERM, "kill of init: EPERM");
	errno = 0;
	r = kill(-1, 0);
	check(r == -1 && errno == ESRCH, "kill(-1) with nothing of its own to signal: ESRCH");
	check(raw(8, 99, 0, 0, 0) < 0, "unknown signal operation: an error");
	check(raw(10, 99, 0, 0, 0) < 0, "unknown process-group operation: an error");
	check(raw(8, 0, 5, 0x10, 0) < 0, "sigaction from an unmapped address: an error");
	check(raw(8, 4, (long)1e9, 0, 0x10) < 0, "alarm writing to an unmapped address: an error");
	printf("%d failures\n", failures);
	return failures != 0;
}
