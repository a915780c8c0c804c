//! The I/O APIC: routes legacy ISA interrupts (today only the serial
//! ports' receive interrupts) to this CPU's local APIC.
//!
//! It is looked for at the standard address `0xFEC0_0000` (where QEMU's
//! q35 and PC machines, and PC firmware in general, put the first I/O
//! APIC) and used only if its version register looks like an I/O APIC's.
//! ISA IRQs 3 and 4 are taken as GSIs 3 and 4 (no ACPI interrupt-source
//! override moves them on these machines). Without an I/O APIC the
//! terminal is still served by polling on the timer tick.

use core::sync::atomic::{AtomicU64, Ordering};

/// Where the first I/O APIC's registers are.
const IOAPIC_PHYS: u64 = 0xFEC0_0000;
const REG_VERSION: u32 = 0x01;
const REG_REDIRECTION: u32 = 0x10;
const MASKED: u32 = 1 << 16;

/// Virtual address of the registers; 0 when there is no usable I/O APIC.
static BASE: AtomicU64 = AtomicU64::new(0);

fn read(base: u64, reg: u32) -> u32 {
    // SAFETY: `base` maps the I/O APIC's register window (uncached):
    // IOREGSEL at +0, IOWIN at +0x10. Interrupts are off (kernel code runs
    // with them off), so the select-then-access pair is not interleaved.
    unsafe {
        core::ptr::write_volatile(base as *mut u32, reg);
        core::ptr::read_volatile((base + 0x10) as *const u32)
    }
}

fn write(base: u64, reg: u32, value: u32) {
    // SAFETY: as in `read`.
    unsafe {
        core::ptr::write_volatile(base as *mut u32, reg);
        core::ptr::write_volatile((base + 0x10) as *mut u32, value);
    }
}

/// Maps the I/O APIC and masks every input; `false` if there is none.
pub fn init() -> bool {
    let Ok(base) = crate::mem::paging::map_mmio(IOAPIC_PHYS, 4096) else { return false };
    let version = read(base, REG_VERSION);
    let (kind, entries) = (version & 0xFF, ((version >> 16) & 0xFF) + 1);
    if !(0x10..=0x2F).contains(&kind) || !(16..=240).contains(&entries) {
        log::warn!("no I/O APIC at {IOAPIC_PHYS:#x} (version register {version:#x}); the terminal is polled");
        return false;
    }
    for input in 0..entries {
        write(base, REG_REDIRECTION + 2 * input, MASKED);
    }
    BASE.store(base, Ordering::Relaxed);
    true
}

/// Delivers GSI `gsi` (edge-triggered, active high: an ISA interrupt) to
/// the local APIC `apic_id` as `vector`. Does nothing without an I/O APIC.
pub fn route(gsi: u8, vector: u8, apic_id: u8) -> bool {
    let base = BASE.load(Ordering::Relaxed);
    if base == 0 {
        return false;
    }
    let reg = REG_REDIRECTION + 2 * u32::from(gsi);
    write(base, reg + 1, u32::from(apic_id) << 24);
    write(base, reg, u32::from(vector));
    true
}
