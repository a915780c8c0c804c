//! `Timer`: monotonic time and sleeping. Sleeps are pending calls kept in a
//! min-heap by deadline that the timer tick completes, at most
//! [`WAKE_PER_TICK`] per tick (a flood of sleeps ending at once is spread
//! over ticks; the list it replaces was scanned whole on every tick, and
//! once per completion, with interrupts off).

use alloc::collections::BinaryHeap;
use capos_abi::error::CapError;
use capos_schema::{interface_id, method, timer};
use core::cmp::{Ordering, Reverse};
use spin::Mutex;

use super::{
    Call, CapObject, DataReply, Outcome, PendingCall, check_params, empty_reply, malformed, read_params,
};

/// A pending `sleep` call and its deadline (uptime in ns); sleeps with the
/// same deadline end in the order they began.
struct Sleeper {
    deadline: u64,
    seq: u64,
    call: PendingCall,
}

impl PartialEq for Sleeper {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Sleeper {}

impl PartialOrd for Sleeper {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Sleeper {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.deadline, self.seq).cmp(&(other.deadline, other.seq))
    }
}

/// Pending sleeps, earliest first, and the next sequence number.
static SLEEPERS: Mutex<(BinaryHeap<Reverse<Sleeper>>, u64)> = Mutex::new((BinaryHeap::new(), 0));

/// Most sleeps the tick ends at once (the rest on the next ticks).
const WAKE_PER_TICK: usize = 64;

/// The timer capability.
pub struct Timer;

impl CapObject for Timer {
    fn kernel_kind(&self) -> Option<capos_schema::KernelCap> {
        Some(capos_schema::KernelCap::Timer)
    }

    fn interface_id(&self) -> u64 {
        interface_id::TIMER
    }

    /// `now`, answered at once: it reads no field, so its params are only
    /// checked (`check_params`: in place, no reader built for the
    /// runtime's null root); `now_results` is one UInt64 (`ns`) in data
    /// word 0.
    fn call_now(&self, method: u16, params: &[u8]) -> Option<Result<DataReply, CapError>> {
        (method == method::timer::NOW)
            .then(|| check_params(params).and_then(|()| DataReply::new(&[crate::time::uptime_ns()])))
    }

    fn call(&self, call: Call<'_>) -> Outcome {
        if let Some(result) = self.call_now(call.method, call.params) {
            return result.and_then(|data| data.reply()).into();
        }
        // Checked for every other method too (read in place, no
        // allocation): a malformed message is refused even where no field
        // is read.
        let message = match read_params(call.params) {
            Ok(m) => m,
            Err(e) => return Outcome::Error(e),
        };
        match call.method {
            method::timer::SLEEP => {
                let ns = match message.get_root::<timer::sleep_params::Reader<'_>>().map_err(malformed) {
                    Ok(p) => p.get_ns(),
                    Err(e) => return Outcome::Error(e),
                };
                if ns == 0 {
                    return empty_reply().into();
                }
                let deadline = crate::time::uptime_ns().saturating_add(ns);
                let mut sleepers = SLEEPERS.lock();
                let (heap, next) = &mut *sleepers;
                if heap.try_reserve(1).is_err() {
                    return Outcome::Error(CapError::OutOfMemory);
                }
                heap.push(Reverse(Sleeper { deadline, seq: *next, call: call.pending }));
                *next += 1;
                Outcome::Pending
            }
            _ => Outcome::Error(CapError::UnknownMethod),
        }
    }
}

/// Drops the sleeps `process` has pending (it ended): kept to their
/// deadline, each would hold the ended process's memory that long.
pub fn forget_process(process: &crate::process::Process) {
    SLEEPERS.lock().0.retain(|Reverse(s)| !s.call.is_from(process));
}

/// Completes the sleeps whose deadline passed, earliest first, at most
/// [`WAKE_PER_TICK`]; called on every tick (an interrupt: one at a time,
/// each outside the lock, allocating nothing).
pub fn on_tick(now_ns: u64) {
    for _ in 0..WAKE_PER_TICK {
        let due = {
            let mut sleepers = SLEEPERS.lock();
            let heap = &mut sleepers.0;
            match heap.peek() {
                Some(Reverse(s)) if s.deadline <= now_ns => heap.pop().map(|Reverse(s)| s.call),
                _ => None,
            }
        };
        let Some(call) = due else { break };
        call.complete(empty_reply());
    }
}
