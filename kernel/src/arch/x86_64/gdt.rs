//! Segmentation: the GDT (kernel and user segments, in the order `sysret`
//! needs later) and the TSS whose IST slot 0 holds the double-fault stack.
//!
//! The double-fault stack has an unmapped guard page under it
//! (`mem::paging` skips `double_fault_stack_guard`), so even a fault on it
//! ends in a clean report rather than silent corruption.

use core::arch::global_asm;
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
"#,
    options(att_syntax)
);

unsafe extern "C" {
    /// Guard page under the double-fault stack (left unmapped).
    pub static double_fault_stack_guard: u8;
    /// One past the top of the double-fault stack.
    static double_fault_stack_top: u8;
}

/// Selectors of the kernel's segments.
#[derive(Debug, Clone, Copy)]
pub struct Selectors {
    /// Ring-0 code.
    pub kernel_code: SegmentSelector,
    /// Ring-0 data.
    pub kernel_data: SegmentSelector,
    /// The task-state segment.
    pub tss: SegmentSelector,
}

static TSS: Once<TaskStateSegment> = Once::new();
static GDT: Once<(GlobalDescriptorTable, Selectors)> = Once::new();

/// Builds and loads the GDT and TSS and reloads every segment register.
pub fn init() {
    let tss = TSS.call_once(|| {
        let mut tss = TaskStateSegment::new();
        tss.interrupt_stack_table[usize::from(DOUBLE_FAULT_IST_INDEX)] =
            VirtAddr::from_ptr(&raw const double_fault_stack_top);
        tss
    });
    let (gdt, selectors) = GDT.call_once(|| {
        let mut gdt = GlobalDescriptorTable::new();
        let kernel_code = gdt.append(Descriptor::kernel_code_segment());
        let kernel_data = gdt.append(Descriptor::kernel_data_segment());
        // User data then user code, the order `sysret` derives them in
        // (selectors 0x1b and 0x23); userspace support will use them.
        gdt.append(Descriptor::user_data_segment());
        gdt.append(Descriptor::user_code_segment());
        let tss = gdt.append(Descriptor::tss_segment(tss));
        (gdt, Selectors { kernel_code, kernel_data, tss })
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
