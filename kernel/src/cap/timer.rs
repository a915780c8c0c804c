//! `Timer`: monotonic time and sleeping. Sleeps are pending calls kept in a
//! deadline list that the timer tick completes.

use alloc::vec::Vec;
use capos_abi::error::CapError;
use capos_schema::{interface_id, method, timer};
use spin::Mutex;

use super::{Call, CapObject, Outcome, PendingCall, empty_reply, malformed, read_params, reply_with};

/// Pending `sleep` calls and their deadlines (uptime in ns).
static SLEEPERS: Mutex<Vec<(u64, PendingCall)>> = Mutex::new(Vec::new());

/// The timer capability.
pub struct Timer;

impl CapObject for Timer {
    fn kernel_kind(&self) -> Option<capos_schema::KernelCap> {
        Some(capos_schema::KernelCap::Timer)
    }

    fn interface_id(&self) -> u64 {
        interface_id::TIMER
    }

    fn call(&self, call: Call<'_>) -> Outcome {
        let message = match read_params(call.params) {
            Ok(m) => m,
            Err(e) => return Outcome::Error(e),
        };
        match call.method {
            method::timer::NOW => reply_with(|m| {
                m.init_root::<timer::now_results::Builder<'_>>().set_ns(crate::time::uptime_ns());
                Ok(())
            })
            .into(),
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
                if sleepers.try_reserve(1).is_err() {
                    return Outcome::Error(CapError::OutOfMemory);
                }
                sleepers.push((deadline, call.pending));
                Outcome::Pending
            }
            _ => Outcome::Error(CapError::UnknownMethod),
        }
    }
}

/// Drops the sleeps `process` has pending (it ended): kept to their
/// deadline, each would hold the ended process's memory that long.
pub fn forget_process(process: &crate::process::Process) {
    SLEEPERS.lock().retain(|(_, call)| !call.is_from(process));
}

/// Completes the sleeps whose deadline passed; called on every tick (an
/// interrupt: one at a time, each outside the lock, allocating nothing).
pub fn on_tick(now_ns: u64) {
    loop {
        let due = {
            let mut sleepers = SLEEPERS.lock();
            let at = sleepers.iter().position(|(d, _)| *d <= now_ns);
            at.map(|i| sleepers.swap_remove(i).1)
        };
        let Some(call) = due else { break };
        call.complete(empty_reply());
    }
}
