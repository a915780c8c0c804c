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
/// Nanoseconds per TSC cycle, in fixed point with [`NS_SHIFT`] fraction
/// bits (0 before calibration): a multiplication where a 128-bit division
/// was (every `Timer.now`, every tick), within 3 ppt of it.
static NS_PER_CYCLE: AtomicU64 = AtomicU64::new(0);
/// Fraction bits of [`NS_PER_CYCLE`].
const NS_SHIFT: u32 = 40;
static TSC_AT_BOOT: AtomicU64 = AtomicU64::new(0);
static LAST_TICK_NS: AtomicU64 = AtomicU64::new(0);
static LONGEST_GAP_NS: AtomicU64 = AtomicU64::new(0);

/// Records the TSC value at kernel entry; call first thing.
pub fn mark_boot() {
    TSC_AT_BOOT.store(rdtsc(), Ordering::Relaxed);
}

/// Records the calibrated TSC frequency; uptime reads 0 until then.
pub fn set_tsc_hz(hz: u64) {
    // At least 1 MHz (any TSC is), so the factor fits in 64 bits.
    let factor = (1_000_000_000u128 << NS_SHIFT) / u128::from(hz.max(1_000_000));
    NS_PER_CYCLE.store(u64::try_from(factor).unwrap_or(u64::MAX), Ordering::Relaxed);
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
    cycles_to_ns(rdtsc().saturating_sub(TSC_AT_BOOT.load(Ordering::Relaxed)))
}

/// `cycles` of the TSC in nanoseconds (0 before calibration).
pub fn cycles_to_ns(cycles: u64) -> u64 {
    let factor = NS_PER_CYCLE.load(Ordering::Relaxed);
    ((u128::from(cycles) * u128::from(factor)) >> NS_SHIFT).min(u128::from(u64::MAX)) as u64
}

/// Milliseconds since kernel entry (0 before calibration).
pub fn uptime_ms() -> u64 {
    uptime_ns() / 1_000_000
}
