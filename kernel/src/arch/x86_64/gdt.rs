//! Segmentation: the GDT (kernel and user segments, in the order `sysret`
//! needs later) and the TSS whose IST slots hold the stacks of the
//! exceptions that can arrive anywhere: double fault (slot 0), NMI (1) and
//! machine check (2). The CPU switches to them whatever RSP holds, so none
//! of them runs on a user-chosen stack, even in the `syscall` entry window
//! before the kernel stack is loaded.
//!
//! Each IST stack has an unmapped guard page under it (`mem::paging` skips
//! the `*_stack_guard` pages), so even a fault on it ends in a clean report
//! rather than silent corruption.

use core::arch::global_asm;
use core::cell::UnsafeCell;
use spin::Once;
use x86_64::VirtAddr;
use x86_64::instructions::segmentation::{CS, DS, ES, SS, Segment};
use x86_64::instructions::tables::load_tss;
use x86_64::structures::gdt::{Descriptor, GlobalDescriptorTable, SegmentSelector};
use x86_64::structures::tss::TaskStateSegment;

/// IST slot (0-based, as the `x86_64` crate counts) of the double-fault stack.
pub const DOUBLE_FAULT_IST_INDEX: u16 = 0;

global_asm!(
    r#"
    .section .bss.double_fault_stack, "aw", @nobits
    .balign 4096
    .global double_fault_stack_guard
double_fault_stack_guard:
    .skip 4096
    .global double_fault_stack_bottom
double_fault_stack_bottom:
    .skip 16384
    .global double_fault_stack_top
double_fault_stack_top:

    .section .bss.nmi_stack, "aw", @nobits
    .balign 4096
    .global nmi_stack_guard
nmi_stack_guard:
    .skip 4096
    .global nmi_stack_bottom
nmi_stack_bottom:
    .skip 16384
    .global nmi_stack_top
nmi_stack_top:

    .section .bss.machine_check_stack, "aw", @nobits
    .balign 4096
    .global machine_check_stack_guard
machine_check_stack_guard:
    .skip 4096
    .global machine_check_stack_bottom
machine_check_stack_bottom:
    .skip 16384
    .global machine_check_stack_top
machine_check_stack_top:
"#,
    options(att_syntax)
);

unsafe extern "C" {
    /// Guard page under the double-fault stack (left unmapped).
    pub static double_fault_stack_guard: u8;
    /// One past the top of the double-fault stack.
    static double_fault_stack_top: u8;
    /// Guard page under the NMI stack (left unmapped).
    pub static nmi_stack_guard: u8;
    /// The NMI stack's lowest byte (the ktest suite checks NMI frames
    /// land between it and the top).
    #[cfg_attr(not(feature = "ktest"), allow(dead_code, reason = "only the ktest suite reads it"))]
    pub static nmi_stack_bottom: u8;
    /// One past the top of the NMI stack.
    pub static nmi_stack_top: u8;
    /// Guard page under the machine-check stack (left unmapped).
    pub static machine_check_stack_guard: u8;
    /// One past the top of the machine-check stack.
    static machine_check_stack_top: u8;
}

/// IST slot of the NMI stack.
pub const NMI_IST_INDEX: u16 = 1;
/// IST slot of the machine-check stack.
pub const MACHINE_CHECK_IST_INDEX: u16 = 2;

/// User data selector (index 3, RPL 3); `sysret` derives it from STAR.
pub const USER_DATA_SELECTOR: u16 = 0x1b;
/// User 64-bit code selector (index 4, RPL 3).
pub const USER_CODE_SELECTOR: u16 = 0x23;

/// Selectors of the GDT's segments.
#[derive(Debug, Clone, Copy)]
pub struct Selectors {
    /// Ring-0 code.
    pub kernel_code: SegmentSelector,
    /// Ring-0 data.
    pub kernel_data: SegmentSelector,
    /// Ring-3 data (right below user code, as `sysret` requires).
    pub user_data: SegmentSelector,
    /// Ring-3 64-bit code.
    pub user_code: SegmentSelector,
    /// The task-state segment.
    pub tss: SegmentSelector,
}

/// The TSS; the CPU reads `privilege_stack_table[0]` (RSP0) on every
/// interrupt from user mode, and the scheduler rewrites it on each switch.
struct TssCell(UnsafeCell<TaskStateSegment>);

// SAFETY: one CPU; RSP0 is written only with interrupts disabled, and the
// CPU reads it only when an interrupt arrives from user mode.
unsafe impl Sync for TssCell {}

static TSS: TssCell = TssCell(UnsafeCell::new(TaskStateSegment::new()));
static GDT: Once<(GlobalDescriptorTable, Selectors)> = Once::new();

/// Builds and loads the GDT and TSS and reloads every segment register.
pub fn init() {
    // SAFETY: boot, single-threaded, interrupts off; nothing reads the TSS
    // before `load_tss` below.
    let tss: &'static TaskStateSegment = unsafe {
        let tss = &mut *TSS.0.get();
        tss.interrupt_stack_table[usize::from(DOUBLE_FAULT_IST_INDEX)] =
            VirtAddr::from_ptr(&raw const double_fault_stack_top);
        tss.interrupt_stack_table[usize::from(NMI_IST_INDEX)] = VirtAddr::from_ptr(&raw const nmi_stack_top);
        tss.interrupt_stack_table[usize::from(MACHINE_CHECK_IST_INDEX)] =
            VirtAddr::from_ptr(&raw const machine_check_stack_top);
        tss
    };
    let (gdt, selectors) = GDT.call_once(|| {
        let mut gdt = GlobalDescriptorTable::new();
        let kernel_code = gdt.append(Descriptor::kernel_code_segment());
        let kernel_data = gdt.append(Descriptor::kernel_data_segment());
        // User data then user code, the order `sysret` derives them in.
        let user_data = gdt.append(Descriptor::user_data_segment());
        let user_code = gdt.append(Descriptor::user_code_segment());
        let tss = gdt.append(Descriptor::tss_segment(tss));
        (gdt, Selectors { kernel_code, kernel_data, user_data, user_code, tss })
    });
    gdt.load();
    // SAFETY: the selectors index descriptors of the GDT just loaded, which
    // lives in a `static` for the rest of the kernel's life; the TSS
    // descriptor points at the static TSS.
    unsafe {
        CS::set_reg(selectors.kernel_code);
        SS::set_reg(selectors.kernel_data);
        DS::set_reg(selectors.kernel_data);
        ES::set_reg(selectors.kernel_data);
        load_tss(selectors.tss);
    }
}

/// The GDT's selectors. Calls [`init`] semantics: panics only if used
/// before `init`, which runs first thing at boot.
pub fn selectors() -> &'static Selectors {
    &GDT.get().expect("gdt::init runs before anything asks for selectors").1
}

/// Sets the stack the CPU switches to on an interrupt from user mode.
pub fn set_rsp0(top: u64) {
    // SAFETY: single CPU, interrupts off while the kernel runs; the CPU
    // reads RSP0 only on an interrupt from user mode, which cannot happen
    // during this store.
    unsafe { (*TSS.0.get()).privilege_stack_table[0] = VirtAddr::new(top) };
}
