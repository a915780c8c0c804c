//! ParkSpace: futex-like waiting on a 32-bit word of a process's memory,
//! through the compact PARK and UNPARK ring operations (no cap needed: a
//! process parks on its own memory).
//!
//! - PARK (`params_addr` = the word, 4-byte aligned; `params_len` = the
//!   value expected there; `interface_id` = timeout in ns, 0 for none):
//!   if the word no longer holds the value, completes at once with
//!   `WouldBlock`; otherwise waits (as a call that completes later) until
//!   an UNPARK on the same word (result 0) or the timeout (`TimedOut`).
//!   The check and the enqueueing happen with no other thread able to
//!   run, so a wake-up between them cannot be lost.
//! - UNPARK (`params_addr` = the word, `params_len` = how many waiters to
//!   wake, `u32::MAX` for all): completes at once with the number woken.
//!
//! Waiters are kept per (process, address); a process that ends leaves its
//! entries behind, and they are dropped when found.

use alloc::collections::{BTreeMap, VecDeque};
use alloc::sync::Arc;
use capos_abi::error::CapError;
use capos_config::ring::Sqe;
use spin::Mutex;

use super::PendingCall;
use crate::process::Process;

/// A parked call and its deadline (uptime in ns), if any.
struct Parked {
    call: PendingCall,
    deadline: Option<u64>,
}

/// Parked calls by (process id, word address).
static PARKED: Mutex<BTreeMap<(u64, u64), VecDeque<Parked>>> = Mutex::new(BTreeMap::new());

fn check_word(addr: u64) -> Result<(), CapError> {
    if addr == 0 || !addr.is_multiple_of(4) {
        return Err(CapError::InvalidArgument);
    }
    Ok(())
}

/// PARK: `Ok(true)` if the call now waits, `Ok(false)` if the word no
/// longer holds the expected value.
pub fn park(process: &Arc<Process>, sqe: &Sqe) -> Result<bool, CapError> {
    let addr = sqe.params_addr;
    check_word(addr)?;
    let mut word = [0u8; 4];
    {
        let inner = process.inner.lock();
        let space = inner.space.as_ref().ok_or(CapError::Cancelled)?;
        if !space.copy_from_user(addr, &mut word) {
            return Err(CapError::BadAddress);
        }
    }
    if u32::from_le_bytes(word) != sqe.params_len {
        return Ok(false);
    }
    let deadline = (sqe.interface_id != 0).then(|| crate::time::uptime_ns().saturating_add(sqe.interface_id));
    let call = PendingCall::for_sqe(process, sqe);
    let mut parked = PARKED.lock();
    let queue = parked.entry((process.pid, addr)).or_default();
    queue.try_reserve(1).map_err(|_| CapError::OutOfMemory)?;
    queue.push_back(Parked { call, deadline });
    Ok(true)
}

/// UNPARK: wakes up to `count` waiters on `addr` of process `pid`, oldest
/// first; returns how many.
pub fn unpark(pid: u64, addr: u64, count: u32) -> Result<u32, CapError> {
    check_word(addr)?;
    // One waiter at a time, each completed outside the lock: no list of
    // the woken (whose length the caller's count would decide).
    let mut n = 0;
    while n < count {
        let next = {
            let mut parked = PARKED.lock();
            let Some(queue) = parked.get_mut(&(pid, addr)) else { break };
            let entry = queue.pop_front();
            if queue.is_empty() {
                parked.remove(&(pid, addr));
            }
            entry
        };
        let Some(entry) = next else { break };
        if entry.call.live_caller().is_some() {
            // A parked call's results are an empty message it has no
            // buffer for: complete it with the bare CQE (result 0).
            entry.call.complete_empty();
            n += 1;
        }
    }
    Ok(n)
}

/// Completes parked calls whose timeout passed; called on every tick.
///
/// An interrupt: one call at a time, each completed outside the lock,
/// allocating nothing.
pub fn on_tick(now_ns: u64) {
    let due = |e: &Parked| e.deadline.is_some_and(|d| d <= now_ns);
    loop {
        let expired = {
            let mut parked = PARKED.lock();
            let found = parked.iter().find_map(|(key, queue)| queue.iter().position(due).map(|i| (*key, i)));
            let Some((key, at)) = found else { break };
            let queue = parked.get_mut(&key);
            let entry = queue.and_then(|q| q.remove(at));
            if parked.get(&key).is_some_and(VecDeque::is_empty) {
                parked.remove(&key);
            }
            entry
        };
        if let Some(entry) = expired {
            entry.call.complete(Err(CapError::TimedOut));
        }
    }
}

/// Drops every parked call of process `pid` (it ended).
pub fn forget_process(pid: u64) {
    PARKED.lock().retain(|(p, _), _| *p != pid);
}
