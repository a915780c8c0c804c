//! Output of the `Console`, terminal and `stderr` caps: a write goes into
//! its channel's transmit queue at once when it fits
//! ([`crate::channel::Channel::write`]); when it does not, the call waits
//! (in order, behind any earlier waiting write to the same channel) and
//! the timer tick, which drains the queues, completes it once it fits.
//! So a write never keeps the kernel busy for the time the line takes to
//! send it. A waiting write's copy of its data is charged to the writer's
//! kernel-memory quota (`mem::kmem_quota`): `OutOfMemory` past it.

use alloc::collections::VecDeque;
use alloc::vec::Vec;
use capos_abi::error::CapError;
use spin::Mutex;

use super::{Outcome, PendingCall, empty_reply};
use crate::channel::Channel;
use crate::mem::kmem_quota::{self, Charge, HEAP_OVERHEAD};

/// A write waiting for room.
struct Waiting {
    channel: Channel,
    data: Vec<u8>,
    crlf: bool,
    call: PendingCall,
    /// The copy's kernel memory, charged to the writer.
    _charge: Charge,
}

static WAITING: Mutex<VecDeque<Waiting>> = Mutex::new(VecDeque::new());

/// Writes `data` to `channel` for a call: done at once, or waiting.
pub fn write(channel: Channel, data: &[u8], crlf: bool, call: PendingCall) -> Outcome {
    let mut waiting = x86_64::instructions::interrupts::without_interrupts(|| WAITING.lock());
    if !waiting.iter().any(|w| w.channel == channel) && channel.write(data, crlf) {
        drop(waiting);
        return empty_reply().into();
    }
    let Some(writer) = call.target() else { return Outcome::Error(CapError::Cancelled) };
    let cost = data.len().saturating_add(core::mem::size_of::<Waiting>() + 2 * HEAP_OVERHEAD);
    let charge = match kmem_quota::charge(&writer.kmem, cost) {
        Ok(charge) => charge,
        Err(e) => return Outcome::Error(e),
    };
    drop(writer);
    let mut copy = Vec::new();
    if copy.try_reserve_exact(data.len()).is_err() || waiting.try_reserve(1).is_err() {
        return Outcome::Error(CapError::OutOfMemory);
    }
    copy.extend_from_slice(data);
    waiting.push_back(Waiting { channel, data: copy, crlf, call, _charge: charge });
    Outcome::Pending
}

/// Drains the transmit queues and completes the waiting writes that fit
/// now (called on every timer tick, interrupts off).
pub fn on_tick() {
    crate::serial::pump_all();
    let done: Vec<PendingCall> = {
        let mut waiting = WAITING.lock();
        if waiting.is_empty() {
            return;
        }
        let mut blocked: Vec<Channel> = Vec::new();
        let mut done = Vec::new();
        let mut keep = VecDeque::new();
        for w in waiting.drain(..) {
            if w.call.live_caller().is_none() {
                continue;
            }
            if !blocked.contains(&w.channel) && w.channel.write(&w.data, w.crlf) {
                done.push(w.call);
            } else {
                blocked.push(w.channel);
                keep.push_back(w);
            }
        }
        *waiting = keep;
        done
    };
    for call in done {
        call.complete(empty_reply());
    }
}
