//! Thread context switching and per-thread FPU/SSE state.
//!
//! A thread not running is described by the kernel stack pointer
//! [`switch_context`] saved (callee-saved registers and RFLAGS sit on its
//! kernel stack) plus its FPU/SSE register file ([`FpuState`], saved with
//! `fxsave64`) and its FS base (user TLS). The kernel itself is soft-float,
//! so FPU state only changes in user mode and only needs saving on a switch.
//!
//! A new thread's kernel stack is prepared so that the first switch to it
//! "returns" into `thread_first_entry`, which leaves through `trap_return`
//! with the thread's initial `TrapFrame` — the same path every return to
//! user mode takes.

use core::arch::global_asm;
use x86_64::registers::control::{Cr0, Cr0Flags, Cr4, Cr4Flags};

use super::trap::TrapFrame;

global_asm!(
    r#"
    .section .text.switch_context, "ax"
    .global switch_context
switch_context:
    pushq %rbp
    pushq %rbx
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    pushfq
    mov %rsp, (%rdi)
    mov %rsi, %rsp
    popfq
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %rbx
    popq %rbp
    ret

    .global thread_first_entry
thread_first_entry:
    jmp trap_return
"#,
    options(att_syntax)
);

unsafe extern "C" {
    /// Saves the callee-saved registers on the current stack, stores the
    /// stack pointer at `*save_rsp`, loads `next_rsp` and restores the
    /// registers saved there.
    fn switch_context(save_rsp: *mut u64, next_rsp: u64);
    fn thread_first_entry();
}

/// Words `switch_context` keeps on a stack: RFLAGS and six registers.
const SWITCH_WORDS: usize = 7;

/// The 512-byte `fxsave` area, 16-byte aligned.
#[repr(C, align(16))]
#[derive(Clone)]
pub struct FpuState([u8; 512]);

impl FpuState {
    /// The state a new thread starts with: x87 control word 0x037F (all
    /// exceptions masked, extended precision), MXCSR 0x1F80 (all SSE
    /// exceptions masked, round to nearest), every register zero.
    pub fn initial() -> Self {
        let mut area = [0u8; 512];
        area[0..2].copy_from_slice(&0x037Fu16.to_le_bytes());
        area[24..28].copy_from_slice(&0x1F80u32.to_le_bytes());
        area[28..32].copy_from_slice(&0xFFFFu32.to_le_bytes()); // MXCSR_MASK
        Self(area)
    }

    /// Saves the CPU's FPU/SSE registers here.
    pub fn save(&mut self) {
        // SAFETY: the area is 512 bytes, 16-byte aligned and writable;
        // CR4.OSFXSR is set by `enable_fpu`.
        unsafe { core::arch::asm!("fxsave64 [{}]", in(reg) self.0.as_mut_ptr(), options(nostack)) };
    }

    /// Loads the CPU's FPU/SSE registers from here.
    pub fn restore(&self) {
        // SAFETY: the area holds a state produced by `fxsave64` or by
        // `initial` (valid control words, reserved MXCSR bits clear).
        unsafe { core::arch::asm!("fxrstor64 [{}]", in(reg) self.0.as_ptr(), options(nostack)) };
    }
}

/// Lets user code use x87 and SSE: CR0.EM clear, CR0.MP set, CR4.OSFXSR and
/// CR4.OSXMMEXCPT set. (AVX stays off: CR4.OSXSAVE is not set, so user code
/// is limited to what `fxsave` preserves.)
pub fn enable_fpu() {
    // SAFETY: x86_64 CPUs always have x87 and SSE2; these bits only make
    // the instructions usable and their exceptions reported normally.
    unsafe {
        Cr0::update(|cr0| {
            cr0.remove(Cr0Flags::EMULATE_COPROCESSOR | Cr0Flags::TASK_SWITCHED);
            cr0.insert(Cr0Flags::MONITOR_COPROCESSOR);
        });
        Cr4::update(|cr4| cr4.insert(Cr4Flags::OSFXSR | Cr4Flags::OSXMMEXCPT_ENABLE));
    }
}

/// Lays out a new thread's kernel stack (whose top is `stack_top`) so the
/// first switch to it enters user mode with `frame`. Returns the stack
/// pointer to switch to.
///
/// # Safety
/// `stack_top` must be the 16-byte aligned top of a mapped, writable kernel
/// stack that nothing else uses, with room for the frame and the switch
/// words.
pub unsafe fn prepare_user_entry(stack_top: u64, frame: &TrapFrame) -> u64 {
    let frame_size = core::mem::size_of::<TrapFrame>() as u64;
    let frame_at = stack_top - frame_size;
    let return_at = frame_at - 8;
    let switch_at = return_at - (SWITCH_WORDS as u64) * 8;
    // SAFETY: the caller guarantees the whole range below `stack_top` is
    // ours and mapped; the addresses are 8-byte aligned.
    unsafe {
        core::ptr::write(frame_at as *mut TrapFrame, frame.clone());
        core::ptr::write(return_at as *mut u64, thread_first_entry as *const () as u64);
        // RFLAGS 0x2 (IF clear: the kernel runs with interrupts off), then
        // the six callee-saved registers, all zero.
        core::ptr::write(switch_at as *mut u64, 0x2);
        for i in 1..SWITCH_WORDS {
            core::ptr::write((switch_at + i as u64 * 8) as *mut u64, 0);
        }
    }
    switch_at
}

/// Switches from the running thread to another.
///
/// # Safety
/// `save_rsp` must point at the running thread's saved-RSP slot, which
/// stays valid until it runs again; `next_rsp` must be a stack pointer
/// saved by `switch_context` or made by [`prepare_user_entry`] for a thread
/// that is not running. Interrupts must be disabled.
pub unsafe fn switch(save_rsp: *mut u64, next_rsp: u64) {
    // SAFETY: forwarded from the caller.
    unsafe { switch_context(save_rsp, next_rsp) }
}
