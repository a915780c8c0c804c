//! The `syscall` instruction's entry path.
//!
//! `syscall` leaves the user RIP in RCX and RFLAGS in R11 and does not
//! switch stacks, so the stub swaps GS to reach `PerCpu`, parks the user RSP,
//! loads the thread's kernel stack and builds the same `TrapFrame` an
//! interrupt from user mode would (vector [`SYSCALL_VECTOR`]), then calls
//! [`syscall_dispatch`]. It returns through `trap_return` with `iretq`,
//! which restores every register as the frame says; so a syscall, an
//! interrupt and a context switch all leave and enter user mode the same way.
//!
//! RFLAGS.IF (and DF, TF, AC) are cleared on entry by the FMASK MSR: the
//! kernel runs with interrupts off except while idle.

use core::arch::global_asm;
use x86_64::VirtAddr;
use x86_64::registers::model_specific::{Efer, EferFlags, LStar, SFMask, Star};
use x86_64::registers::rflags::RFlags;

use super::gdt;
use super::percpu::{KERNEL_RSP_OFFSET, USER_RSP_OFFSET};
use super::trap::TrapFrame;

/// `TrapFrame::vector` value of a frame built by the syscall stub.
pub const SYSCALL_VECTOR: u64 = 0x1000;

global_asm!(
    r#"
    .section .text.syscall_entry, "ax"
    .global syscall_entry
syscall_entry:
    swapgs
    mov %rsp, %gs:{user_rsp}
    mov %gs:{kernel_rsp}, %rsp
    pushq ${user_ss}
    pushq %gs:{user_rsp}
    pushq %r11
    pushq ${user_cs}
    pushq %rcx
    pushq $0
    pushq ${vector}
    pushq %rax
    pushq %rbx
    pushq %rcx
    pushq %rdx
    pushq %rsi
    pushq %rdi
    pushq %rbp
    pushq %r8
    pushq %r9
    pushq %r10
    pushq %r11
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    mov %rsp, %rdi
    cld
    call syscall_dispatch
    jmp trap_return
"#,
    user_rsp = const USER_RSP_OFFSET,
    kernel_rsp = const KERNEL_RSP_OFFSET,
    user_ss = const gdt::USER_DATA_SELECTOR,
    user_cs = const gdt::USER_CODE_SELECTOR,
    vector = const SYSCALL_VECTOR,
    options(att_syntax)
);

unsafe extern "C" {
    fn syscall_entry();
}

/// Enables `syscall`/`sysret` and points them at the entry stub.
pub fn init() {
    let selectors = gdt::selectors();
    // SAFETY: the selectors come from the loaded GDT in the order `Star`
    // checks (user data right below user code); the entry address is the
    // stub above; FMASK clears IF/DF/TF/AC so the stub runs with interrupts
    // off and the direction flag clear; setting EFER.SCE only enables the
    // instruction.
    unsafe {
        Star::write(selectors.user_code, selectors.user_data, selectors.kernel_code, selectors.kernel_data)
            .expect("GDT order matches what syscall/sysret require");
        LStar::write(VirtAddr::new(syscall_entry as *const () as u64));
        SFMask::write(
            RFlags::INTERRUPT_FLAG | RFlags::DIRECTION_FLAG | RFlags::TRAP_FLAG | RFlags::ALIGNMENT_CHECK,
        );
        Efer::update(|efer| efer.insert(EferFlags::SYSTEM_CALL_EXTENSIONS));
    }
}

/// Rust side of the syscall stub: number in RAX, arguments in RDI, RSI,
/// RDX; the result goes back in RAX.
#[unsafe(no_mangle)]
extern "C" fn syscall_dispatch(frame: &mut TrapFrame) {
    frame.rax = crate::syscall::dispatch(frame.rax, frame.rdi, frame.rsi, frame.rdx) as u64;
}
