//! The Multiboot2 header, the PVH entry note and the 32-bit entry
//! trampoline into long mode.
//!
//! Two loaders enter the kernel, both in 32-bit protected mode with paging
//! off:
//! - GRUB (the ISO, real machines) jumps to `_start32` with the Multiboot2
//!   magic in EAX and the physical address of the boot information in EBX;
//! - QEMU's direct kernel boot (`-kernel kernel.elf`, what `capos run` and
//!   `make run` use) finds the `XEN_ELFNOTE_PHYS32_ENTRY` note below and
//!   jumps to `_start_pvh` with the physical address of the PVH
//!   `hvm_start_info` in EBX (EAX undefined), so that entry puts the PVH
//!   magic in EAX itself.
//!
//! From there the trampoline checks the magic and that the CPU has long
//! mode, builds early page tables, enables PAE, long mode, NX and paging,
//! and far-jumps to 64-bit code that switches to the higher-half kernel
//! stack and calls `kmain(magic, info_phys)`; `boot::BootInfo::from_loader`
//! tells the two protocols apart by the magic.
//!
//! Early page tables (all in the low `.boot.bss`, which GRUB zero-fills; the
//! trampoline zeroes it again to not depend on that) map the first 1 GiB of
//! physical memory three times with 2 MiB pages:
//! - identity (`PML4[0]`), so the trampoline keeps running after paging is on;
//! - the physical-memory window at `0xffff_8000_0000_0000` (`PML4[256]`);
//! - the kernel image at `0xffff_ffff_8000_0000` (`PML4[511]`, `PDPT[510]`).
//!
//! `mem::paging` replaces them with the real kernel address space once Rust
//! runs. If the boot loader is not Multiboot2 or the CPU has no long mode, a
//! message goes to COM1 and the CPU halts.

use core::arch::global_asm;

global_asm!(
    r#"
    .set MB2_MAGIC,        0xE85250D6
    .set MB2_ARCH_I386,    0
    .set MB2_LOADER_MAGIC, 0x36D76289
    .set PVH_START_MAGIC,  0x336EC578
    .set XEN_ELFNOTE_PHYS32_ENTRY, 18
    .set KERNEL_VMA,       0xFFFFFFFF80000000
    .set COM1,             0x3F8

    .section .multiboot2_header, "a"
    .balign 8
mb2_header_start:
    .long MB2_MAGIC
    .long MB2_ARCH_I386
    .long mb2_header_end - mb2_header_start
    .long 0x100000000 - (MB2_MAGIC + MB2_ARCH_I386 + (mb2_header_end - mb2_header_start))
    # end tag
    .short 0
    .short 0
    .long 8
mb2_header_end:

    # The PVH entry point, as an ELF note QEMU's `-kernel` loader reads
    # (name "Xen", type XEN_ELFNOTE_PHYS32_ENTRY, an 8-byte physical
    # address: QEMU reads a 64-bit value from a 64-bit ELF's note).
    .section .note.capos_pvh, "a", @note
    .balign 4
    .long 2f - 1f               # name size
    .long 4f - 3f               # descriptor size
    .long XEN_ELFNOTE_PHYS32_ENTRY
1:  .asciz "Xen"
2:  .balign 4
3:  .quad _start_pvh
4:  .balign 4

    .section .boot.bss, "aw", @nobits
    .balign 4096
boot_pml4:      .skip 4096
boot_pdpt_low:  .skip 4096
boot_pdpt_high: .skip 4096
boot_pd:        .skip 4096
boot_tables_end:

    .section .boot.rodata, "a"
    .balign 16
boot_gdt:
    .quad 0
    .quad 0x00AF9A000000FFFF    # 0x08: 64-bit code, ring 0
    .quad 0x00CF92000000FFFF    # 0x10: data, ring 0
boot_gdt_end:
boot_gdt_ptr:
    .short boot_gdt_end - boot_gdt - 1
    .long boot_gdt
msg_no_multiboot: .asciz "capOS: not started by a Multiboot2 or PVH loader; halting\r\n"
msg_no_long_mode: .asciz "capOS: this CPU has no 64-bit long mode; halting\r\n"

    .section .boot.text, "ax"
    .code32
    .global _start_pvh
_start_pvh:
    cli
    cld
    mov $PVH_START_MAGIC, %edi  # kmain's first argument: which protocol
    mov %ebx, %esi              # hvm_start_info address (second argument)
    jmp 8f

    .global _start32
_start32:
    cli
    cld
    mov %eax, %edi              # Multiboot2 magic (kmain's first argument)
    mov %ebx, %esi              # boot information address (second argument)
    cmp $MB2_LOADER_MAGIC, %eax
    jne 1f

8:

    mov $0x80000000, %eax       # extended CPUID leaves present?
    cpuid
    cmp $0x80000001, %eax
    jb 2f
    mov $0x80000001, %eax
    cpuid
    test $(1 << 29), %edx       # LM bit
    jz 2f

    # Zero the early tables.
    mov %edi, %ebp
    mov $boot_pml4, %edi
    mov $((boot_tables_end - boot_pml4) / 4), %ecx
    xor %eax, %eax
    rep stosl
    mov %ebp, %edi

    # 512 x 2 MiB pages: present | writable | huge.
    mov $boot_pd, %ebx
    xor %ecx, %ecx
3:  mov %ecx, %eax
    shl $21, %eax
    or $0x83, %eax
    mov %eax, (%ebx, %ecx, 8)
    inc %ecx
    cmp $512, %ecx
    jne 3b

    mov $boot_pd, %eax
    or $0x3, %eax
    mov %eax, boot_pdpt_low
    mov %eax, boot_pdpt_high + 510 * 8
    mov $boot_pdpt_low, %eax
    or $0x3, %eax
    mov %eax, boot_pml4
    mov %eax, boot_pml4 + 256 * 8
    mov $boot_pdpt_high, %eax
    or $0x3, %eax
    mov %eax, boot_pml4 + 511 * 8

    mov %cr4, %eax
    or $(1 << 5), %eax          # PAE
    mov %eax, %cr4
    mov $boot_pml4, %eax
    mov %eax, %cr3
    mov $0xC0000080, %ecx       # EFER
    rdmsr
    or $((1 << 8) | (1 << 11)), %eax  # LME | NXE
    wrmsr
    mov %cr0, %eax
    or $((1 << 31) | (1 << 16) | 1), %eax  # PG | WP | PE
    mov %eax, %cr0

    lgdt boot_gdt_ptr
    ljmp $0x08, $long_mode_low

1:  mov $msg_no_multiboot, %esi
    jmp 4f
2:  mov $msg_no_long_mode, %esi
4:  mov $COM1, %dx
5:  lodsb
    test %al, %al
    jz 6f
    out %al, %dx
    jmp 5b
6:  hlt
    jmp 6b

    .code64
long_mode_low:
    mov $0x10, %ax
    mov %ax, %ds
    mov %ax, %es
    mov %ax, %ss
    xor %eax, %eax
    mov %ax, %fs
    mov %ax, %gs
    movabs $long_mode_high, %rax
    jmp *%rax

    .section .text.boot_high, "ax"
long_mode_high:
    movabs $kernel_stack_top, %rsp
    xor %ebp, %ebp
    mov %edi, %edi              # zero-extend magic
    mov %esi, %esi              # zero-extend boot information address
    call kmain
7:  hlt
    jmp 7b

    # The boot CPU's kernel stack, with an unmapped guard page below it
    # (mem::paging leaves `kernel_stack_guard` out of the address space).
    .section .bss.kernel_stack, "aw", @nobits
    .balign 4096
    .global kernel_stack_guard
kernel_stack_guard:
    .skip 4096
    .global kernel_stack_bottom
kernel_stack_bottom:
    .skip 65536
    .global kernel_stack_top
kernel_stack_top:
"#,
    options(att_syntax)
);

unsafe extern "C" {
    /// First byte of the boot stack's guard page (left unmapped).
    pub static kernel_stack_guard: u8;
}
