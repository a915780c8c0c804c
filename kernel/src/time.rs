//! Kernel time: the timer tick count (LAPIC interrupts at
//! `capos_abi::TIMER_HZ`) and uptime from the calibrated TSC.
//!
//! The two come from different hardware clocks, so the heartbeat line
//! (`uptime: S s (T ticks)`) lets a test check one against the other.

use core::sync::atomic::{AtomicU64, Ordering};

use crate::arch::x86_64::cpu::rdtsc;

static TICKS: AtomicU64 = AtomicU64::new(0);
static TSC_HZ: AtomicU64 = AtomicU64::new(0);
static TSC_AT_BOOT: AtomicU64 = AtomicU64::new(0);

/// Records the TSC value at kernel entry; call first thing.
pub fn mark_boot() {
    TSC_AT_BOOT.store(rdtsc(), Ordering::Relaxed);
}

/// Records the calibrated TSC frequency; uptime reads 0 until then.
pub fn set_tsc_hz(hz: u64) {
    TSC_HZ.store(hz, Ordering::Relaxed);
}

/// Called from the timer interrupt.
pub fn tick() {
    TICKS.fetch_add(1, Ordering::Relaxed);
}

/// Timer interrupts since the timer started.
pub fn ticks() -> u64 {
    TICKS.load(Ordering::Relaxed)
}

/// Nanoseconds since kernel entry, from the TSC (0 before calibration).
pub fn uptime_ns() -> u64 {
    let hz = TSC_HZ.load(Ordering::Relaxed);
    if hz == 0 {
        return 0;
    }
    let cycles = rdtsc().saturating_sub(TSC_AT_BOOT.load(Ordering::Relaxed));
    (u128::from(cycles) * 1_000_000_000 / u128::from(hz)) as u64
}

/// Milliseconds since kernel entry (0 before calibration).
pub fn uptime_ms() -> u64 {
    uptime_ns() / 1_000_000
}
