//! The interrupt descriptor table: every vector points at its generated
//! entry stub (`trap.rs`); the double fault runs on its own IST stack so a
//! kernel stack overflow still produces a report, and the NMI and machine
//! check on theirs, since they can arrive at any instruction (see `gdt`).

use spin::Once;
use x86_64::VirtAddr;
use x86_64::structures::idt::InterruptDescriptorTable;

use super::gdt::{DOUBLE_FAULT_IST_INDEX, MACHINE_CHECK_IST_INDEX, NMI_IST_INDEX};
use super::trap::trap_stub_table;

static IDT: Once<InterruptDescriptorTable> = Once::new();

/// Sets every entry of an IDT field list to the stub of its vector.
macro_rules! set_exception_stubs {
    ($idt:ident, $stubs:ident, $($field:ident = $vector:literal),* $(,)?) => {
        $(
            // SAFETY: the stub for this vector is a valid interrupt entry
            // point that saves all registers and returns with `iretq`.
            unsafe { $idt.$field.set_handler_addr(VirtAddr::new($stubs[$vector])) };
        )*
    };
}

/// Builds and loads the IDT. Interrupts stay disabled until the caller
/// enables them.
pub fn init() {
    let idt = IDT.call_once(|| {
        let mut idt = InterruptDescriptorTable::new();
        // SAFETY: `trap_stub_table` is a read-only table of 256 stub
        // addresses emitted by the build script; reading it is a plain load.
        let stubs: &[u64; 256] = unsafe { &trap_stub_table };
        set_exception_stubs!(
            idt,
            stubs,
            divide_error = 0,
            debug = 1,
            non_maskable_interrupt = 2,
            breakpoint = 3,
            overflow = 4,
            bound_range_exceeded = 5,
            invalid_opcode = 6,
            device_not_available = 7,
            double_fault = 8,
            invalid_tss = 10,
            segment_not_present = 11,
            stack_segment_fault = 12,
            general_protection_fault = 13,
            page_fault = 14,
            x87_floating_point = 16,
            alignment_check = 17,
            machine_check = 18,
            simd_floating_point = 19,
            virtualization = 20,
            cp_protection_exception = 21,
            hv_injection_exception = 28,
            vmm_communication_exception = 29,
            security_exception = 30,
        );
        // SAFETY: the double-fault IST slot was filled with a valid stack
        // (with a guard page) by `gdt::init`, which runs first.
        unsafe {
            idt.double_fault
                .set_handler_addr(VirtAddr::new(stubs[8]))
                .set_stack_index(DOUBLE_FAULT_IST_INDEX);
        }
        // SAFETY: as above, with the NMI and machine-check IST slots, which
        // `gdt::init` filled too: these two can arrive at any instruction,
        // the `syscall` entry window (user RSP, kernel CS) included.
        unsafe {
            idt.non_maskable_interrupt
                .set_handler_addr(VirtAddr::new(stubs[2]))
                .set_stack_index(NMI_IST_INDEX);
            idt.machine_check
                .set_handler_addr(VirtAddr::new(stubs[18]))
                .set_stack_index(MACHINE_CHECK_IST_INDEX);
        }
        for vector in 32..=255u8 {
            // SAFETY: as above, a valid stub for an external interrupt vector.
            unsafe { idt[vector].set_handler_addr(VirtAddr::new(stubs[usize::from(vector)])) };
        }
        idt
    });
    idt.load();
}
