/*
 * capOS: musl's system-call boundary (replaces arch/x86_64/syscall_arch.h
 * in the x86_64_capos ARCH; see ports/musl/README.md).
 *
 * On Linux each __syscallN executes the `syscall` instruction. On capOS
 * it calls __capos_syscall instead, an ordinary C-ABI function that the
 * POSIX adapter (libcapos-posix) provides. Its contract is Linux's:
 * Linux x86_64 system-call numbers, argument meanings and results, with
 * errors returned as -errno. Unused arguments are passed as 0.
 *
 * There is no vDSO on capOS, so VDSO_USEFUL and the VDSO_* symbol names
 * are not defined: clock_gettime and friends go through __capos_syscall
 * like every other call.
 */

#define __SYSCALL_LL_E(x) (x)
#define __SYSCALL_LL_O(x) (x)

long __capos_syscall(long n, long a1, long a2, long a3, long a4, long a5, long a6);

static __inline long __syscall0(long n)
{
	return __capos_syscall(n, 0, 0, 0, 0, 0, 0);
}

static __inline long __syscall1(long n, long a1)
{
	return __capos_syscall(n, a1, 0, 0, 0, 0, 0);
}

static __inline long __syscall2(long n, long a1, long a2)
{
	return __capos_syscall(n, a1, a2, 0, 0, 0, 0);
}

static __inline long __syscall3(long n, long a1, long a2, long a3)
{
	return __capos_syscall(n, a1, a2, a3, 0, 0, 0);
}

static __inline long __syscall4(long n, long a1, long a2, long a3, long a4)
{
	return __capos_syscall(n, a1, a2, a3, a4, 0, 0);
}

static __inline long __syscall5(long n, long a1, long a2, long a3, long a4, long a5)
{
	return __capos_syscall(n, a1, a2, a3, a4, a5, 0);
}

static __inline long __syscall6(long n, long a1, long a2, long a3, long a4, long a5, long a6)
{
	return __capos_syscall(n, a1, a2, a3, a4, a5, a6);
}

#define IPC_64 0
