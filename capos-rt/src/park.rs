//! ParkSpace from user space: wait on a 32-bit word until another thread
//! wakes it (the PARK and UNPARK ring operations, `docs/ring-abi.md`).
//! The building block of [`crate::sync`] and thread joins.

use alloc::vec::Vec;
use capos_abi::error::CapError;
use capos_config::ring::{Opcode, Sqe};
use core::sync::atomic::AtomicU32;

/// How a park ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Parked {
    /// An `unpark` on the word woke it.
    Woken,
    /// The word no longer held the expected value: nothing to wait for.
    Changed,
    /// The timeout passed.
    TimedOut,
}

/// Waits while `word` holds `expected`, until an [`unpark`] on it or
/// `timeout_ns` (0: no limit). The check and the start of the wait are one
/// step for the kernel, so a wake-up between them is not lost.
pub fn park(word: &AtomicU32, expected: u32, timeout_ns: u64) -> Result<Parked, CapError> {
    let sqe = Sqe {
        opcode: Opcode::Park as u8,
        params_addr: word.as_ptr() as u64,
        params_len: expected,
        interface_id: timeout_ns,
        ..Sqe::default()
    };
    match submit_sqe_keep(sqe)?.wait_raw() {
        Ok(_) => Ok(Parked::Woken),
        Err(CapError::WouldBlock) => Ok(Parked::Changed),
        Err(CapError::TimedOut) => Ok(Parked::TimedOut),
        Err(e) => Err(e),
    }
}

/// Wakes up to `count` threads parked on `word` (`u32::MAX`: all);
/// returns how many woke.
pub fn unpark(word: &AtomicU32, count: u32) -> Result<u32, CapError> {
    let sqe = Sqe {
        opcode: Opcode::Unpark as u8,
        params_addr: word.as_ptr() as u64,
        params_len: count,
        ..Sqe::default()
    };
    let done = submit_sqe_keep(sqe)?.wait_raw()?;
    Ok(done.cqe.result as u32)
}

/// PARK and UNPARK carry the address in `params_addr` and a value in
/// `params_len`, not a buffer: submit the SQE as it is.
fn submit_sqe_keep(sqe: Sqe) -> Result<crate::call::PendingCall, CapError> {
    crate::call::submit_raw(sqe, Vec::new())
}
