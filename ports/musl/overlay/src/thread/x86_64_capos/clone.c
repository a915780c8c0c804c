/*
 * capOS: __clone for the x86_64_capos ARCH (musl's x86_64 clone.s
 * executes `syscall`; the generic clone.c only returns -ENOSYS).
 *
 * A Linux clone returns twice, which a function call cannot do; capOS
 * starts a thread at an entry point instead. So __clone hands func and
 * arg to __capos_clone, in the POSIX adapter (libcapos-posix), which
 * starts a thread running func(arg) on `stack` with thread pointer `tls`
 * and ends it with func's return value, as clone.s does. Returns the new
 * thread's id or -errno (-ENOSYS for anything but a thread of this
 * process: CLONE_VM|CLONE_THREAD).
 */
#include <stdarg.h>
#include "pthread_impl.h"

long __capos_clone(int (*)(void *), void *, int, void *, pid_t *, void *, pid_t *);

int __clone(int (*func)(void *), void *stack, int flags, void *arg, ...)
{
	va_list ap;
	pid_t *ptid;
	void *tls;
	pid_t *ctid;

	va_start(ap, arg);
	ptid = va_arg(ap, pid_t *);
	tls = va_arg(ap, void *);
	ctid = va_arg(ap, pid_t *);
	va_end(ap);
	return __capos_clone(func, stack, flags, arg, ptid, tls, ctid);
}
