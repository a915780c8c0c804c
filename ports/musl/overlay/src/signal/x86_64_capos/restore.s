/*
 * capOS: __restore_rt for the x86_64_capos ARCH (replaces musl's
 * src/signal/x86_64/restore.s, which executes `syscall`).
 *
 * sigaction() names __restore_rt as the signal restorer: a signal
 * handler returns into it, with the stack pointer at the signal frame,
 * and it asks for rt_sigreturn, which restores the interrupted context
 * and never returns. On Linux the kernel finds the frame at the stack
 * pointer; a function call cannot keep the stack pointer where it is, so
 * on capOS the frame's address is rt_sigreturn's first argument:
 * __capos_syscall(SYS_rt_sigreturn, frame, 0, 0, 0, 0, 0). Should the
 * call return, the process stops on an invalid instruction.
 */
	.text
	nop                     /* an unwinder looks up a return address minus one: it lands here */
	.global __restore_rt
	.hidden __restore_rt
	.type __restore_rt,@function
__restore_rt:
	mov %rsp,%rsi           /* a1: the signal frame */
	mov $15,%edi            /* SYS_rt_sigreturn */
	xor %edx,%edx
	xor %ecx,%ecx
	xor %r8d,%r8d
	xor %r9d,%r9d
	and $-16,%rsp
	sub $8,%rsp
	push $0                 /* a6; the stack is 16-byte aligned at the call */
	call __capos_syscall
	ud2
	.size __restore_rt,.-__restore_rt
