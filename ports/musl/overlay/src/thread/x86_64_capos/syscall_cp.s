/*
 * capOS: __syscall_cp_asm for the x86_64_capos ARCH (replaces musl's
 * src/thread/x86_64/syscall_cp.s, which executes `syscall`).
 *
 * long __syscall_cp_asm(volatile int *cancel, long nr,
 *                       long a1, long a2, long a3, long a4, long a5, long a6)
 *
 * A cancellation point: if the thread has a cancellation request pending
 * (*cancel != 0) it goes to __cancel without making the call; otherwise it
 * calls __capos_syscall(nr, a1, ..., a6) and returns its result.
 *
 * musl's cancel signal handler redirects a thread whose interrupted
 * program counter lies in [__cp_begin, __cp_end) to __cp_cancel. Here that
 * range ends before the stack is touched, so the redirection is always
 * safe. A request that arrives while the thread is blocked inside
 * __capos_syscall is acted on when the call returns -EINTR (musl's
 * __syscall_cp_c checks for that), which is the POSIX adapter's part.
 */
	.text
	.global __cp_begin
	.hidden __cp_begin
	.global __cp_end
	.hidden __cp_end
	.global __cp_cancel
	.hidden __cp_cancel
	.hidden __cancel
	.global __syscall_cp_asm
	.hidden __syscall_cp_asm
	.type __syscall_cp_asm,@function
__syscall_cp_asm:
__cp_begin:
	mov (%rdi),%eax         /* a pending cancellation request? */
	test %eax,%eax
	jnz __cp_cancel
	mov %rsi,%rdi           /* nr */
	mov %rdx,%rsi           /* a1 */
	mov %rcx,%rdx           /* a2 */
	mov %r8,%rcx            /* a3 */
	mov %r9,%r8             /* a4 */
	mov 8(%rsp),%r9         /* a5 (our 7th argument) */
	mov 16(%rsp),%rax       /* a6 (our 8th argument) */
__cp_end:
	push %rax               /* a6 goes on the stack, which is then 16-byte aligned */
	call __capos_syscall
	add $8,%rsp
	ret
__cp_cancel:
	jmp __cancel
	.size __syscall_cp_asm,.-__syscall_cp_asm
