/*
 * crt1.o for capOS C programs: the ELF entry point.
 *
 * The kernel enters _start with the bootstrap region's address in RDI
 * and the stack pointer at the top of the main stack (nothing on it).
 * _start hands both the region and main to __capos_start
 * (libcapos-posix/src/start.rs), which validates the bootstrap, builds
 * argc/argv/envp/auxv and enters musl's __libc_start_main. It does not
 * return.
 */
	.text
	.global _start
	.type _start,@function
_start:
	xor %ebp,%ebp           /* the outermost frame */
	lea main(%rip),%rsi     /* a2: main; a1 (RDI) is the bootstrap region */
	and $-16,%rsp
	call __capos_start
	ud2
	.size _start,.-_start
	.section .note.GNU-stack,"",@progbits
