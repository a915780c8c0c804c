//! Per-CPU data reached through the GS segment base while in the kernel.
//!
//! The syscall entry stub needs somewhere to park the user stack pointer and
//! find the kernel stack before any register is free; that is `PerCpu`,
//! whose address sits in `KERNEL_GS_BASE` while user code runs and is
//! swapped into `GS_BASE` by `swapgs` on every entry from user mode. One CPU
//! for now; SMP will give each CPU its own.

use core::cell::UnsafeCell;
use x86_64::VirtAddr;
use x86_64::registers::model_specific::{GsBase, KernelGsBase};

/// Layout shared with the assembly in `syscall.rs` (offsets below).
#[repr(C)]
pub struct PerCpu {
    /// Address of this structure (offset 0).
    pub self_ptr: u64,
    /// Top of the current thread's kernel stack (offset 8).
    pub kernel_rsp: u64,
    /// Scratch slot for the user stack pointer during syscall entry (offset 16).
    pub user_rsp: u64,
}

/// Offset of [`PerCpu::kernel_rsp`].
pub const KERNEL_RSP_OFFSET: usize = 8;
/// Offset of [`PerCpu::user_rsp`].
pub const USER_RSP_OFFSET: usize = 16;

struct PerCpuCell(UnsafeCell<PerCpu>);

// SAFETY: one CPU; the fields are written only with interrupts disabled
// (kernel code runs with IF clear) and read by the entry stubs on the same
// CPU.
unsafe impl Sync for PerCpuCell {}

static BSP: PerCpuCell = PerCpuCell(UnsafeCell::new(PerCpu { self_ptr: 0, kernel_rsp: 0, user_rsp: 0 }));

/// Points GS (kernel) at the boot CPU's `PerCpu`; user GS starts at 0.
pub fn init() {
    let ptr = BSP.0.get();
    // SAFETY: during boot, single-threaded, interrupts off.
    unsafe { (*ptr).self_ptr = ptr as u64 };
    GsBase::write(VirtAddr::from_ptr(ptr));
    KernelGsBase::write(VirtAddr::new(0));
}

/// Sets the kernel stack the next entry from user mode will use.
pub fn set_kernel_rsp(top: u64) {
    // SAFETY: single CPU with interrupts off while the kernel runs, so no
    // entry stub reads the field concurrently.
    unsafe { (*BSP.0.get()).kernel_rsp = top };
}
