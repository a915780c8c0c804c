/*
 * capOS: __set_thread_area for the x86_64_capos ARCH (replaces musl's
 * src/thread/x86_64/__set_thread_area.s, which executes `syscall`).
 *
 * Sets the FS base, the thread pointer musl reads with %fs:0, through
 * Linux's arch_prctl(ARCH_SET_FS, p) served by __capos_syscall. musl's
 * generic C version would ask for SYS_set_thread_area, which on x86_64
 * Linux is not the FS base (it is the 32-bit TLS-descriptor call).
 * Returns 0 on success, -errno on failure, as the assembly did.
 */
#include "pthread_impl.h"
#include "syscall.h"

#define CAPOS_ARCH_SET_FS 0x1002 /* Linux's ARCH_SET_FS (asm/prctl.h) */

int __set_thread_area(void *p)
{
	return __syscall(SYS_arch_prctl, CAPOS_ARCH_SET_FS, p);
}
