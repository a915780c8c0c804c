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
//! Waiters are kept in `capos_lib::park_table` (per (process, address),
//! deadlines in a heap; every allocation fallible: `OutOfMemory`), each
//! charged to its process's kernel-memory quota; a process has at most
//! one parked call per CQ slot (pending calls hold one). The tick expires
//! at most [`EXPIRE_PER_TICK`] waiters, so a flood of timeouts is spread
//! over ticks; a process that ends has its waiters dropped.

use alloc::sync::Arc;
use capos_abi::error::CapError;
use capos_config::ring::Sqe;
use capos_lib::park_table::ParkTable;
use spin::Mutex;

use super::PendingCall;
use crate::mem::kmem_quota::{self, Charge, HEAP_OVERHEAD};
use crate::process::Process;

/// A parked call and the kernel memory charged for it.
struct Parked {
    call: PendingCall,
    _charge: Charge,
}

/// Kernel memory charged per parked call: its queue entry, its deadline
/// entry and the map's share (the map and heap keep up to twice the room).
const PARK_COST: usize = 2 * (core::mem::size_of::<Parked>() + 40) + HEAP_OVERHEAD;

/// Most parked calls the tick times out at once (the rest on the next
/// ticks: a timeout is late by at most that much).
const EXPIRE_PER_TICK: usize = 64;

/// The parked calls of every process (made on the first PARK).
static PARKED: Mutex<Option<ParkTable<Parked>>> = Mutex::new(None);

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
    let parked = Parked {
        call: PendingCall::for_sqe(process, sqe),
        _charge: kmem_quota::charge(&process.kmem, PARK_COST)?,
    };
    let refused = {
        let mut table = PARKED.lock();
        let table = table.get_or_insert_with(|| {
            ParkTable::new((super::entropy::kernel_random(), super::entropy::kernel_random()))
        });
        table.park((process.pid, addr), deadline, parked).err()
    };
    // A refused call is dropped outside the lock.
    match refused {
        Some(_) => Err(CapError::OutOfMemory),
        None => Ok(true),
    }
}

/// UNPARK: wakes up to `count` waiters on `addr` of process `pid`, oldest
/// first; returns how many.
pub fn unpark(pid: u64, addr: u64, count: u32) -> Result<u32, CapError> {
    check_word(addr)?;
    // One waiter at a time, each completed outside the lock: no list of
    // the woken (whose length the caller's count would decide).
    let mut n = 0;
    while n < count {
        let next = PARKED.lock().as_mut().and_then(|table| table.wake((pid, addr)));
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

/// Completes parked calls whose timeout passed, at most
/// [`EXPIRE_PER_TICK`]; called on every tick.
///
/// An interrupt: one call at a time, each completed outside the lock,
/// allocating nothing.
pub fn on_tick(now_ns: u64) {
    for _ in 0..EXPIRE_PER_TICK {
        let expired = PARKED.lock().as_mut().and_then(|table| table.expire(now_ns));
        let Some(entry) = expired else { break };
        entry.call.complete(Err(CapError::TimedOut));
    }
}

/// Drops every parked call of process `pid` (it ended).
pub fn forget_process(pid: u64) {
    if let Some(table) = PARKED.lock().as_mut() {
        table.forget(pid, drop);
    }
}
