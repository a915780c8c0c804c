/*
 * tests/musl: a stand-in for the POSIX adapter, for the host test only.
 *
 * musl built for capOS calls __capos_syscall for every system call. To run
 * such a program on the host, this stub passes the few calls the test
 * program needs (write, writev, arch_prctl, set_tid_address, exit,
 * exit_group) to the host's Linux kernel with its own `syscall`
 * instruction, and answers every other call with -ENOSYS. It is linked
 * into the test program only; nothing of it reaches the sysroot.
 */

#define HOST_ENOSYS 38

/* The only `syscall` instruction in the test program (run.sh checks). */
__attribute__((noinline)) static long host_linux_syscall(long n, long a1, long a2, long a3)
{
	unsigned long ret;
	__asm__ __volatile__("syscall"
	                     : "=a"(ret)
	                     : "a"(n), "D"(a1), "S"(a2), "d"(a3)
	                     : "rcx", "r11", "memory");
	return (long)ret;
}

long __capos_syscall(long n, long a1, long a2, long a3, long a4, long a5, long a6)
{
	(void)a4;
	(void)a5;
	(void)a6;
	switch (n) {
	case 1:   /* write */
	case 20:  /* writev */
	case 60:  /* exit */
	case 158: /* arch_prctl: musl sets the thread pointer at start */
	case 218: /* set_tid_address */
	case 231: /* exit_group */
		return host_linux_syscall(n, a1, a2, a3);
	default:
		return -HOST_ENOSYS;
	}
}
