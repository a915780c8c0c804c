//! Kernel time: the timer tick count (LAPIC interrupts at
//! `capos_abi::TIMER_HZ`) and uptime from the calibrated TSC.
//!
//! The two come from different hardware clocks, so the heartbeat line
//! (`uptime: S s (T ticks)`) lets a test check one against the other.
//!
//! The longest time between two ticks is kept: the kernel runs with
//! interrupts off, so it bounds the longest stretch anything kept them off
//! (printed at power-off, checked by the `capos-run-uart-bound` scenario).

use core::sync::atomic::{AtomicU64, Ordering};

use crate::arch::x86_64::cpu::rdtsc;

static TICKS: AtomicU64 = AtomicU64::new(0);
static TSC_HZ: AtomicU64 = AtomicU64::new(0);
static TSC_AT_BOOT: AtomicU64 = AtomicU64::new(0);
static LAST_TICK_NS: AtomicU64 = AtomicU64::new(0);
static LONGEST_GAP_NS: AtomicU64 = AtomicU64::new(0);

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
    let now = uptime_ns();
    let last = LAST_TICK_NS.swap(now, Ordering::Relaxed);
    if last != 0 {
        LONGEST_GAP_NS.fetch_max(now.saturating_sub(last), Ordering::Relaxed);
    }
}

/// The longest time between two timer ticks so far, in nanoseconds.
// Reported at power-off, which the ktest build does not do.
#[cfg_attr(feature = "ktest", allow(dead_code))]
pub fn longest_tick_gap_ns() -> u64 {
    LONGEST_GAP_NS.load(Ordering::Relaxed)
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

/// `cycles` of the TSC in nanoseconds (0 before calibration).
pub fn cycles_to_ns(cycles: u64) -> u64 {
    let hz = TSC_HZ.load(Ordering::Relaxed);
    if hz == 0 {
        return 0;
    }
    (u128::from(cycles) * 1_000_000_000 / u128::from(hz)).min(u128::from(u64::MAX)) as u64
}

/// Milliseconds since kernel entry (0 before calibration).
pub fn uptime_ms() -> u64 {
    uptime_ns() / 1_000_000
}
