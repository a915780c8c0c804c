//! The `syscall` instruction's entry path.
//!
//! `syscall` leaves the user RIP in RCX and RFLAGS in R11 and does not
//! switch stacks, so the stub swaps GS to reach `PerCpu`, parks the user RSP,
//! loads the thread's kernel stack and pushes what the CPU pushes for an
//! interrupt from user mode, with vector [`SYSCALL_VECTOR`], then it
//! joins the common trap path (`trap.rs`), which saves the registers into
//! the same `TrapFrame` as every trap's and hands it to `trap_dispatch`
//! (which sends this vector to [`dispatch_frame`]). A syscall whose frame
//! is still what `syscall` left (the common case) returns with `sysretq`;
//! any other (a signal handler to run, `exec`, `sigreturn`) with `iretq`,
//! as interrupts and new threads do (`sysretq` is cheaper than `iretq`,
//! which loads and checks both segment descriptors; under TCG markedly so).
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
    # GS is already the kernel's: continue in trap_common after its swapgs
    # (which returns with `sysretq` when it can).
    jmp trap_save_registers
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

/// Runs the syscall a `SYSCALL_VECTOR` frame carries: number in RAX,
/// arguments in RDI, RSI, RDX, R10; the result goes back in RAX. Then the
/// checks every return to user mode makes (signals, the process's end).
pub fn dispatch_frame(frame: &mut TrapFrame) {
    match frame.rax {
        // `fork` copies the caller's registers, so it takes the whole frame.
        capos_abi::syscall::SYS_FORK => frame.rax = crate::fork::fork_syscall(frame) as u64,
        // `exec` replaces the registers with the new program's.
        capos_abi::syscall::SYS_EXEC => crate::exec::exec_syscall(frame),
        // `sigreturn` restores the registers a signal handler interrupted.
        capos_abi::syscall::SYS_SIGRETURN => crate::signal::sigreturn(frame),
        // The others, with the checks at their end.
        _ => return crate::syscall::dispatch(frame),
    }
    crate::signal::on_user_return(frame);
}
