//! The local APIC (xAPIC, memory-mapped): enabled with a spurious vector,
//! its timer calibrated against the PIT and run periodically at
//! `capos_abi::TIMER_HZ`. The TSC is calibrated in the same window.

use core::sync::atomic::{AtomicU64, Ordering};
use x86_64::registers::model_specific::Msr;

use super::pit;
use super::trap::{SPURIOUS_VECTOR, TIMER_VECTOR};

const IA32_APIC_BASE: u32 = 0x1B;
const REG_ID: usize = 0x20;
const REG_TPR: usize = 0x80;
const REG_EOI: usize = 0xB0;
const REG_SVR: usize = 0xF0;
const REG_LVT_TIMER: usize = 0x320;
const REG_TIMER_INITIAL: usize = 0x380;
const REG_TIMER_CURRENT: usize = 0x390;
const REG_TIMER_DIVIDE: usize = 0x3E0;
const SVR_ENABLE: u32 = 1 << 8;
const LVT_MASKED: u32 = 1 << 16;
const LVT_PERIODIC: u32 = 1 << 17;
const DIVIDE_BY_16: u32 = 0b0011;
/// PIT ticks of the calibration window (~50 ms).
const CALIBRATION_PIT_TICKS: u16 = 59_659;

/// Virtual address of the LAPIC registers; 0 until [`init`] mapped them.
static BASE: AtomicU64 = AtomicU64::new(0);

/// What calibration measured.
#[derive(Debug, Clone, Copy)]
pub struct TimerInfo {
    /// LAPIC timer input clock (bus clock) in Hz.
    pub lapic_hz: u64,
    /// TSC frequency in Hz.
    pub tsc_hz: u64,
    /// The periodic rate programmed, in Hz.
    pub tick_hz: u32,
}

fn read(reg: usize) -> u32 {
    let base = BASE.load(Ordering::Relaxed);
    // SAFETY: `base` maps the 4 KiB LAPIC register page (uncached) once
    // `init` ran, and `reg` is one of the aligned register offsets above.
    unsafe { core::ptr::read_volatile((base as usize + reg) as *const u32) }
}

fn write(reg: usize, value: u32) {
    let base = BASE.load(Ordering::Relaxed);
    // SAFETY: as in `read`; register writes have no memory effects beyond
    // the APIC itself.
    unsafe { core::ptr::write_volatile((base as usize + reg) as *mut u32, value) }
}

/// Physical address of this CPU's LAPIC registers.
pub fn physical_base() -> u64 {
    // SAFETY: IA32_APIC_BASE exists on every x86_64 CPU; reading it has no
    // side effects.
    let value = unsafe { Msr::new(IA32_APIC_BASE).read() };
    value & 0x000F_FFFF_FFFF_F000
}

/// Enables the LAPIC at virtual address `base`, calibrates its timer and
/// the TSC against the PIT, and starts the periodic tick. Interrupts must be
/// disabled; the caller enables them afterwards.
pub fn init(base: u64) -> TimerInfo {
    BASE.store(base, Ordering::Relaxed);
    write(REG_TPR, 0);
    write(REG_SVR, SVR_ENABLE | u32::from(SPURIOUS_VECTOR));
    write(REG_TIMER_DIVIDE, DIVIDE_BY_16);
    write(REG_LVT_TIMER, LVT_MASKED | u32::from(TIMER_VECTOR));

    let mut tsc_start = 0;
    let (lapic_elapsed, tsc_elapsed) = pit::measure(
        CALIBRATION_PIT_TICKS,
        || {
            write(REG_TIMER_INITIAL, u32::MAX);
            tsc_start = super::cpu::rdtsc();
        },
        || {
            let remaining = read(REG_TIMER_CURRENT);
            (u64::from(u32::MAX - remaining), super::cpu::rdtsc())
        },
    );
    let tsc_elapsed = tsc_elapsed.saturating_sub(tsc_start);
    let window_ns = u64::from(CALIBRATION_PIT_TICKS) * 1_000_000_000 / pit::PIT_HZ;
    let timer_hz = (lapic_elapsed * 1_000_000_000 / window_ns).max(1);
    let tsc_hz = (tsc_elapsed.saturating_mul(1_000_000_000) / window_ns).max(1);
    let tick_hz = capos_abi::TIMER_HZ;
    let initial = (timer_hz / u64::from(tick_hz)).clamp(1, u64::from(u32::MAX)) as u32;

    write(REG_TIMER_INITIAL, 0);
    write(REG_LVT_TIMER, LVT_PERIODIC | u32::from(TIMER_VECTOR));
    write(REG_TIMER_INITIAL, initial);

    TimerInfo { lapic_hz: timer_hz * 16, tsc_hz, tick_hz }
}

/// This CPU's local APIC id.
pub fn id() -> u8 {
    (read(REG_ID) >> 24) as u8
}

/// Sends this CPU an NMI (the interrupt command register, delivery mode
/// NMI, shorthand "self"); the ktest suite uses it.
#[cfg(feature = "ktest")]
pub fn send_self_nmi() {
    const REG_ICR_LOW: usize = 0x300;
    const DELIVERY_NMI: u32 = 0b100 << 8;
    const SHORTHAND_SELF: u32 = 0b01 << 18;
    if BASE.load(Ordering::Relaxed) != 0 {
        write(REG_ICR_LOW, DELIVERY_NMI | SHORTHAND_SELF);
    }
}

/// Signals the end of the interrupt being handled.
pub fn end_of_interrupt() {
    if BASE.load(Ordering::Relaxed) != 0 {
        write(REG_EOI, 0);
    }
}
