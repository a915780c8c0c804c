//! The kernel side of the capability ring: processing SQEs on `cap_enter`,
//! posting CQEs, and blocking until enough completions are waiting.
//!
//! The ring's pages belong to the process's address space; the kernel
//! reaches them through the physical-memory window (their frames are
//! recorded at spawn) and keeps its own copies of the indices it owns
//! (`sq_head`, `cq_tail`). Every SQE is copied out before it is looked at,
//! and user-owned indices are read once per use and checked against the
//! kernel's copies, so nothing a process writes to its ring can make the
//! kernel misbehave.
//!
//! Completion slots are reserved for calls still pending, so a completion
//! never finds the CQ full: the kernel stops taking SQEs when the CQ has no
//! free slot, and the rest wait for the next `cap_enter`.

use alloc::sync::Arc;
use alloc::vec::Vec;
use capos_abi::error::CapError;
use capos_config::ring::{
    self as abi, Cqe, Opcode, RING_SIZE, SQE_SIZE, Sqe, TransferDescriptor, cqe_flags, header, sqe_flags,
};
use core::sync::atomic::{AtomicU32, Ordering};

use super::endpoint::{self, EndpointCore, EndpointServer};
use super::table::Transfer;
use super::{Call, CapRef, Outcome, PendingCall, Reply};
use crate::mem::address_space::AddressSpace;
use crate::mem::layout;
use crate::process::Process;
use crate::profile::Stamp;
use crate::thread::ThreadState;
use capos_abi::profile::Counter;

/// Pages of the ring region.
pub const RING_PAGES: usize = RING_SIZE / 4096;

/// Kernel-side state of one process's ring.
pub struct Ring {
    frames: [u64; RING_PAGES],
    sq_head: u32,
    cq_tail: u32,
    /// Calls accepted but not yet completed (each holds a CQ slot).
    pending: u32,
    /// Threads blocked in `cap_enter`, and how many completions each wants.
    waiters: Vec<(Arc<crate::thread::Thread>, u32)>,
}

impl Ring {
    /// A ring over the given physical pages (in ring order), with its header
    /// initialised.
    pub fn new(frames: [u64; RING_PAGES]) -> Self {
        let ring = Self { frames, sq_head: 0, cq_tail: 0, pending: 0, waiters: Vec::new() };
        ring.write(header::MAGIC, &abi::RING_MAGIC.to_le_bytes());
        ring.write(header::VERSION, &abi::RING_VERSION.to_le_bytes());
        ring.write(header::SQ_ENTRIES, &abi::SQ_ENTRIES.to_le_bytes());
        ring.write(header::CQ_ENTRIES, &abi::CQ_ENTRIES.to_le_bytes());
        ring
    }

    fn byte_ptr(&self, offset: usize) -> *mut u8 {
        let page = self.frames[offset / 4096];
        (layout::phys_to_virt(page) + (offset % 4096) as u64) as *mut u8
    }

    fn read(&self, offset: usize, out: &mut [u8]) {
        for (i, byte) in out.iter_mut().enumerate() {
            // SAFETY: `offset + i` is inside the ring region (callers use
            // offsets from `capos_config::ring`), whose frames the process's
            // address space owns for as long as this `Ring` exists; the
            // window maps them. Volatile: the process may write concurrently
            // (its own problem, never ours: we use the copy).
            *byte = unsafe { core::ptr::read_volatile(self.byte_ptr(offset + i)) };
        }
    }

    fn write(&self, offset: usize, data: &[u8]) {
        for (i, byte) in data.iter().enumerate() {
            // SAFETY: as in `read`.
            unsafe { core::ptr::write_volatile(self.byte_ptr(offset + i), *byte) };
        }
    }

    /// A 32-bit index field of the header, accessed atomically (the
    /// process reads and writes them concurrently from user mode).
    fn index(&self, offset: usize) -> &AtomicU32 {
        // SAFETY: `offset` is one of the 4-byte aligned index fields of the
        // header, inside the ring's first page, which stays mapped in the
        // window as long as this `Ring` exists; AtomicU32 has the layout of
        // u32, and all accesses to it are atomic.
        unsafe { &*(self.byte_ptr(offset) as *const AtomicU32) }
    }

    fn read_u32(&self, offset: usize) -> u32 {
        self.index(offset).load(Ordering::Acquire)
    }

    fn write_u32(&self, offset: usize, value: u32) {
        self.index(offset).store(value, Ordering::Release);
    }

    /// Completions waiting for the process to read, or `RingCorrupted`.
    fn available(&self) -> Result<u32, CapError> {
        let head = self.read_u32(header::CQ_HEAD);
        let free = abi::free_completions(self.cq_tail, head)?;
        Ok(abi::CQ_ENTRIES - free)
    }

    /// Free CQ slots not reserved for pending calls.
    fn free_slots(&self) -> Result<u32, CapError> {
        let head = self.read_u32(header::CQ_HEAD);
        Ok(abi::free_completions(self.cq_tail, head)?.saturating_sub(self.pending))
    }

    fn post(&mut self, cqe: &Cqe) {
        crate::profile::count(Counter::RingEntries);
        self.write(abi::cqe_offset(self.cq_tail), &cqe.to_bytes());
        self.cq_tail = self.cq_tail.wrapping_add(1);
        // Release: the CQE's bytes are visible before the new tail.
        self.write_u32(header::CQ_TAIL, self.cq_tail);
    }

    /// Wakes the waiting threads for which enough completions arrived.
    /// (With several threads waiting, each looks for its own completions
    /// and waits again if they are not there yet.)
    fn wake_if_ready(&mut self) {
        let available = self.available().unwrap_or(0);
        self.waiters.retain(|(thread, min)| {
            if available >= *min {
                crate::sched::wake(thread);
                false
            } else {
                true
            }
        });
    }
}

/// `cap_enter(min_complete, timeout_ns)` for the running thread's process.
pub fn cap_enter(
    process: &Arc<Process>,
    min_complete: u32,
    timeout_ns: u64,
    interruptible: bool,
) -> Result<u32, CapError> {
    loop {
        let take = Stamp::now();
        let Some(sqe) = next_sqe(process)? else { break };
        take.end(Counter::TakeCycles);
        let run = Stamp::now();
        if let Executed::Completed(cqe) = execute(process, sqe) {
            with_ring(process, |ring| {
                ring.post(&cqe);
                Ok(())
            })?;
        }
        run.end(Counter::ExecuteCycles);
    }
    let available = with_ring(process, |ring| ring.available())?;
    if available >= min_complete.min(abi::CQ_ENTRIES) || timeout_ns == 0 {
        return Ok(available);
    }
    let deadline_ns = (timeout_ns != capos_abi::syscall::NO_TIMEOUT)
        .then(|| crate::time::uptime_ns().saturating_add(timeout_ns));
    let Some(thread) = crate::sched::current() else { return Ok(available) };
    // A signal to take ends an interruptible wait (the handler runs on the
    // way out, or once the runtime is ready for it).
    if interruptible && crate::signal::interrupts(process, &thread) {
        return Err(CapError::Interrupted);
    }
    with_ring(process, |ring| {
        ring.waiters.try_reserve(1).map_err(|_| CapError::OutOfMemory)?;
        ring.waiters.push((thread.clone(), min_complete.min(abi::CQ_ENTRIES)));
        Ok(())
    })?;
    let blocked = Stamp::now();
    crate::sched::block(ThreadState::BlockedOnRing { min_complete, deadline_ns });
    blocked.end(Counter::BlockedCycles);
    let available = with_ring(process, |ring| {
        ring.waiters.retain(|(t, _)| !Arc::ptr_eq(t, &thread));
        ring.available()
    })?;
    if interruptible
        && available < min_complete.min(abi::CQ_ENTRIES)
        && crate::signal::interrupts(process, &thread)
    {
        return Err(CapError::Interrupted);
    }
    Ok(available)
}

fn with_ring<T>(
    process: &Arc<Process>,
    f: impl FnOnce(&mut Ring) -> Result<T, CapError>,
) -> Result<T, CapError> {
    let mut inner = process.inner.lock();
    let ring = inner.ring.as_mut().ok_or(CapError::Cancelled)?;
    f(ring)
}

/// Takes the next SQE if there is one and a CQ slot for it.
fn next_sqe(process: &Arc<Process>) -> Result<Option<Sqe>, CapError> {
    with_ring(process, |ring| {
        let tail = ring.read_u32(header::SQ_TAIL);
        let pending = abi::pending_submissions(ring.sq_head, tail)?;
        if pending == 0 || ring.free_slots()? == 0 {
            return Ok(None);
        }
        let mut bytes = [0u8; SQE_SIZE];
        crate::profile::count(Counter::RingEntries);
        ring.read(abi::sqe_offset(ring.sq_head), &mut bytes);
        ring.sq_head = ring.sq_head.wrapping_add(1);
        ring.write_u32(header::SQ_HEAD, ring.sq_head);
        // This SQE will complete: keep a CQ slot for it.
        ring.pending += 1;
        Ok(Some(Sqe::from_bytes(&bytes)))
    })
}

enum Executed {
    Completed(Cqe),
    Pending,
}

/// Carries out one SQE (already counted in `pending`).
fn execute(process: &Arc<Process>, sqe: Sqe) -> Executed {
    let unreserve = |process: &Arc<Process>| {
        let _ = with_ring(process, |ring| {
            ring.pending = ring.pending.saturating_sub(1);
            Ok(())
        });
    };
    let result = match sqe.validate() {
        Err(e) => Err(e),
        Ok(Opcode::Nop) => Ok(Cqe { user_data: sqe.user_data, ..Cqe::default() }),
        Ok(Opcode::Release) => {
            let removed = process.inner.lock().caps.remove(sqe.cap);
            // Drop the object outside the process lock: releasing the last
            // reference may end another process or complete its calls.
            removed.map(|object| {
                drop(object);
                Cqe { user_data: sqe.user_data, ..Cqe::default() }
            })
        }
        Ok(Opcode::Copy) => copy(process, &sqe),
        Ok(Opcode::Call) => return call(process, &sqe, unreserve),
        Ok(Opcode::Recv) => match recv(process, &sqe) {
            Ok(()) => return Executed::Pending,
            Err(e) => Err(e),
        },
        Ok(Opcode::Return) => {
            answer(process, &sqe).map(|()| Cqe { user_data: sqe.user_data, ..Cqe::default() })
        }
        Ok(Opcode::Park) => match super::park::park(process, &sqe) {
            Ok(true) => return Executed::Pending,
            Ok(false) => Err(CapError::WouldBlock),
            Err(e) => Err(e),
        },
        Ok(Opcode::Unpark) => super::park::unpark(process.pid, sqe.params_addr, sqe.params_len)
            .map(|woken| Cqe { user_data: sqe.user_data, result: woken as i32, ..Cqe::default() }),
    };
    unreserve(process);
    Executed::Completed(result.unwrap_or_else(|e| Cqe::error(sqe.user_data, e)))
}

/// COPY: a second id for cap `cap` in the same table (the same object, as
/// a copy transfer to another process would give); the new id goes in the
/// CQE's `aux`. Fails with the lookup's error, or `QuotaExceeded` when the
/// table is full (nothing changes then).
fn copy(process: &Arc<Process>, sqe: &Sqe) -> Result<Cqe, CapError> {
    let mut inner = process.inner.lock();
    let object = inner.caps.get(sqe.cap)?;
    match inner.caps.insert(object) {
        Ok(id) => Ok(Cqe { user_data: sqe.user_data, aux: u64::from(id), ..Cqe::default() }),
        // The failed insert dropped its reference; the table still holds
        // the object, so nothing went away under the lock.
        Err(e) => Err(e),
    }
}

fn call(process: &Arc<Process>, sqe: &Sqe, unreserve: impl Fn(&Arc<Process>)) -> Executed {
    let pending = || PendingCall::for_sqe(process, sqe);
    let (object, params, transfer) = match prepare_call(process, sqe) {
        Ok(prepared) => prepared,
        Err(e) => {
            unreserve(process);
            return Executed::Completed(Cqe::error(sqe.user_data, e));
        }
    };
    let outcome =
        object.call(Call { method: sqe.method, params: &params, caps: transfer.objects, pending: pending() });
    // Caps sent by move leave the sender only if the call took them.
    let accepted = !matches!(outcome, Outcome::Error(_));
    process.finish_transfer(transfer.prepared, accepted);
    match outcome {
        Outcome::Pending => Executed::Pending,
        Outcome::Done(reply) => {
            // `deliver` posts the CQE and releases the slot `next_sqe` kept.
            let _ = deliver(process, &pending(), Ok(reply));
            Executed::Pending
        }
        Outcome::Error(e) => {
            unreserve(process);
            Executed::Completed(Cqe::error(sqe.user_data, e))
        }
    }
}

/// The endpoint behind a server cap, or `WrongInterface` if the cap is
/// something else.
fn endpoint_of(process: &Arc<Process>, cap: u32) -> Result<Arc<EndpointCore>, CapError> {
    let object = process.inner.lock().caps.get(cap)?;
    let any: &dyn core::any::Any = &*object;
    any.downcast_ref::<EndpointServer>().map(|server| server.core().clone()).ok_or(CapError::WrongInterface)
}

/// RECV: waits (as a pending call) for a call on the endpoint; its result
/// buffer takes the params, `caps_addr` the ids of the caps sent.
fn recv(process: &Arc<Process>, sqe: &Sqe) -> Result<(), CapError> {
    let endpoint = endpoint_of(process, sqe.cap)?;
    {
        let inner = process.inner.lock();
        let space = inner.space.as_ref().ok_or(CapError::Cancelled)?;
        if !space.is_writable(sqe.result_addr, sqe.result_len as usize)
            || !space.is_writable(sqe.caps_addr, usize::from(sqe.caps_in_max) * 4)
        {
            return Err(CapError::BadAddress);
        }
    }
    endpoint.recv(PendingCall::for_sqe(process, sqe), process.pid);
    Ok(())
}

/// RETURN: answers the received call whose token is in `interface_id`,
/// with the results message at `params_addr` and the caps described at
/// `caps_addr`, or with the error code in `method` (flag `RETURN_ERROR`).
/// Moved caps leave the server only if the answer reached a live client.
fn answer(process: &Arc<Process>, sqe: &Sqe) -> Result<(), CapError> {
    let endpoint = endpoint_of(process, sqe.cap)?;
    if sqe.flags & sqe_flags::RETURN_ERROR != 0 {
        let error = CapError::try_from(sqe.method).map_err(|_| CapError::InvalidArgument)?;
        let client = endpoint.take_call(sqe.interface_id, process.pid)?;
        return endpoint::answer(client, Err(error));
    }
    let (message, transfer) = {
        let mut inner = process.inner.lock();
        let space = inner.space.as_ref().ok_or(CapError::Cancelled)?;
        let message = copy_in(space, sqe.params_addr, sqe.params_len)?;
        let descriptors = read_descriptors(space, sqe)?;
        (message, inner.caps.prepare_transfer(&descriptors)?)
    };
    let client = match endpoint.take_call(sqe.interface_id, process.pid) {
        Ok(client) => client,
        Err(e) => {
            process.finish_transfer(transfer.prepared, false);
            return Err(e);
        }
    };
    let result = endpoint::answer(client, Ok(Reply { message, caps: transfer.objects, ..Reply::default() }));
    process.finish_transfer(transfer.prepared, result.is_ok());
    result
}

/// Copies `len` bytes of user memory at `addr` into a new kernel buffer.
fn copy_in(space: &AddressSpace, addr: u64, len: u32) -> Result<Vec<u8>, CapError> {
    let mut bytes = Vec::new();
    bytes.try_reserve_exact(len as usize).map_err(|_| CapError::OutOfMemory)?;
    bytes.resize(len as usize, 0);
    if space.copy_from_user(addr, &mut bytes) { Ok(bytes) } else { Err(CapError::BadAddress) }
}

/// Reads the SQE's transfer descriptors (`caps_out` of them at `caps_addr`).
fn read_descriptors(space: &AddressSpace, sqe: &Sqe) -> Result<Vec<TransferDescriptor>, CapError> {
    let mut descriptors = Vec::new();
    if sqe.caps_out > 0 {
        let raw = copy_in(space, sqe.caps_addr, u32::from(sqe.caps_out) * 8)?;
        descriptors.try_reserve_exact(raw.len() / 8).map_err(|_| CapError::OutOfMemory)?;
        for chunk in raw.chunks_exact(8) {
            let mut b = [0u8; 8];
            b.copy_from_slice(chunk);
            descriptors.push(TransferDescriptor::from_bytes(&b)?);
        }
    }
    Ok(descriptors)
}

/// Looks up the target, copies the params in, checks the result and cap
/// buffers, and prepares the sent caps — all before the call has any effect.
fn prepare_call(process: &Arc<Process>, sqe: &Sqe) -> Result<(CapRef, Vec<u8>, Transfer), CapError> {
    let mut inner = process.inner.lock();
    let object = inner.caps.get(sqe.cap)?;
    if object.interface_id() != sqe.interface_id {
        return Err(CapError::WrongInterface);
    }
    let space = inner.space.as_ref().ok_or(CapError::Cancelled)?;
    let params = copy_in(space, sqe.params_addr, sqe.params_len)?;
    let descriptors = read_descriptors(space, sqe)?;
    // The result buffer and the room for returned caps must be writable:
    // check now, so a bad buffer fails before the call has effects.
    if !space.is_writable(sqe.result_addr, sqe.result_len as usize)
        || !space.is_writable(sqe.caps_addr, usize::from(sqe.caps_in_max) * 4)
    {
        return Err(CapError::BadAddress);
    }
    let transfer = inner.caps.prepare_transfer(&descriptors)?;
    Ok((object, params, transfer))
}

/// Delivers a call's result to `process`: the results message into its
/// result buffer, returned caps into its table (ids at `caps_addr`), and a
/// CQE, using the CQ slot kept for the call since it was taken. Called at
/// once for calls that finish right away and later for pending ones.
/// Returns the error the CQE carries, if any.
pub fn deliver(
    process: &Arc<Process>,
    call: &PendingCall,
    result: Result<Reply, CapError>,
) -> Result<(), CapError> {
    let cqe = match result {
        Err(e) => Cqe::error(call.user_data, e),
        Ok(reply) => deliver_reply(process, call, reply),
    };
    let outcome = cqe.error_code().map_or(Ok(()), Err);
    post_cqe(process, &cqe);
    outcome
}

/// Posts an error CQE with `aux` for a call (its CQ slot is released).
pub fn post_error(process: &Arc<Process>, call: &PendingCall, error: CapError, aux: u64) {
    let flags = if error == CapError::ResultTooSmall { cqe_flags::RESULT_TRUNCATED } else { 0 };
    post_cqe(process, &Cqe { aux, flags, ..Cqe::error(call.user_data, error) });
}

/// Posts `cqe` in the CQ slot kept for its call and wakes a waiting thread.
pub fn post_cqe(process: &Arc<Process>, cqe: &Cqe) {
    let stamp = Stamp::now();
    let mut inner = process.inner.lock();
    if let Some(ring) = inner.ring.as_mut() {
        ring.pending = ring.pending.saturating_sub(1);
        ring.post(cqe);
        ring.wake_if_ready();
    }
    drop(inner);
    stamp.end(Counter::PostCycles);
}

fn deliver_reply(process: &Arc<Process>, call: &PendingCall, mut reply: Reply) -> Cqe {
    let undo = reply.undo.take();
    let cqe = try_deliver_reply(process, call, reply);
    // A reply that did not arrive leaves no effect behind (a spawned child
    // is killed before the caller sees the error). No lock is held here.
    if cqe.error_code().is_some()
        && let Some(undo) = undo
    {
        undo();
    }
    cqe
}

fn try_deliver_reply(process: &Arc<Process>, call: &PendingCall, reply: Reply) -> Cqe {
    let len = reply.message.len();
    if len > call.result_len as usize {
        return Cqe {
            user_data: call.user_data,
            result: CapError::ResultTooSmall.as_result(),
            flags: cqe_flags::RESULT_TRUNCATED,
            aux: len as u64,
            ..Cqe::default()
        };
    }
    if reply.caps.len() > usize::from(call.caps_in_max) {
        return Cqe { aux: reply.caps.len() as u64, ..Cqe::error(call.user_data, CapError::ResultTooSmall) };
    }
    // Caps that do not reach the process are dropped after its lock is
    // released (see `cap::table`).
    let (cqe, undelivered) = insert_results(process, call, reply);
    drop(undelivered);
    cqe
}

/// Under the process lock: the reply's caps into the table, the message and
/// the cap ids into the result buffers; the caps that could not be
/// delivered come back, to be dropped outside the lock.
fn insert_results(process: &Arc<Process>, call: &PendingCall, reply: Reply) -> (Cqe, Vec<CapRef>) {
    let mut inner = process.inner.lock();
    let inner = &mut *inner;
    let Some(space) = inner.space.as_mut() else {
        return (Cqe::error(call.user_data, CapError::Cancelled), reply.caps);
    };
    let ids = match inner.caps.insert_all(reply.caps) {
        Ok(ids) => ids,
        Err((e, released)) => return (Cqe::error(call.user_data, e), released.0),
    };
    let mut id_bytes = Vec::new();
    if id_bytes.try_reserve_exact(ids.len() * 4).is_err() {
        return (Cqe::error(call.user_data, CapError::OutOfMemory), inner.caps.remove_all(&ids));
    }
    id_bytes.extend(ids.iter().flat_map(|id| id.to_le_bytes()));
    // A copy-on-write page of the buffers gets a frame of its own first;
    // without a free frame the call fails with `OutOfMemory`.
    let written = space
        .copy_to_user(call.result_addr, &reply.message)
        .and_then(|()| space.copy_to_user(call.caps_addr, &id_bytes));
    if let Err(e) = written {
        return (Cqe::error(call.user_data, e.into()), inner.caps.remove_all(&ids));
    }
    let cqe = Cqe {
        user_data: call.user_data,
        result: reply.message.len() as i32,
        caps: ids.len() as u32,
        aux: reply.aux,
        reserved: reply.tag,
        ..Cqe::default()
    };
    (cqe, Vec::new())
}
