//! The kernel side of the capability ring: processing SQEs on `cap_enter`,
//! posting CQEs, and blocking until enough completions are waiting.
//!
//! The ring's pages belong to the process's address space; the kernel
//! reaches them through the physical-memory window (their frames are
//! recorded at spawn) and keeps its own copies of the indices it owns
//! (`sq_head`, `cq_tail`). Every SQE is copied out whole before it is
//! looked at, and user-owned indices are read once per use and checked
//! against the kernel's copies, so nothing a process writes to its ring can
//! make the kernel misbehave.
//!
//! Completion slots are reserved for calls still pending, so a completion
//! never finds the CQ full: the kernel stops taking SQEs when the CQ has no
//! free slot, and the rest wait for the next `cap_enter`.
//!
//! The fast path: `cap_enter` takes the process lock once per chunk of SQEs
//! ([`take_step`]). Under it, it takes each SQE (reading the process's
//! indices once for as many as are waiting; a NOP checked on its words),
//! completes at once the ones that need nothing outside the process (NOP,
//! COPY, one that fails validation, a call an object answers at once with
//! data words: `Timer.now`, docs/decisions.md) and prepares a CALL (the
//! cap looked up, the params copied — onto the stack when they fit
//! [`SCRATCH_LEN`] —, the buffers checked, the caps to send prepared). It lets go of the lock only to carry out what
//! may reach other processes or drop objects (the call itself, RELEASE,
//! RECV, RETURN, PARK, UNPARK). The lock section that finds the SQ empty
//! also counts the completions and, if the caller is to wait, registers it
//! as a waiter: every completion is posted under that lock and wakes the
//! waiters it satisfies, so none can slip in between the check and the
//! registration (and the kernel runs one thread at a time with interrupts
//! off, so nothing runs between the registration and the block either).

use alloc::sync::Arc;
use alloc::vec::Vec;
use capos_abi::error::CapError;
use capos_abi::profile::Counter;
use capos_config::ring::{
    self as abi, CQE_SIZE, Cqe, Opcode, RING_SIZE, SQE_SIZE, Sqe, TransferDescriptor, cqe_flags, header,
    sqe_flags,
};
use core::mem::MaybeUninit;
use core::sync::atomic::{AtomicU32, Ordering};

use super::endpoint::{self, EndpointCore, EndpointServer};
use super::table::{CapTable, Transfer};
use super::{Call, CapRef, DataReply, MessageBytes, Outcome, PendingCall, Reply};
use crate::mem::address_space::{AddressSpace, UserSlot};
use crate::mem::layout;
use crate::process::{Process, ProcessInner};
use crate::profile::Stamp;
use crate::thread::{Thread, ThreadState};

/// Pages of the ring region.
pub const RING_PAGES: usize = RING_SIZE / 4096;

/// SQEs handled under one acquisition of the process lock at most.
const CHUNK: usize = 32;

/// Params up to this many bytes are copied onto the kernel stack; longer
/// ones into a heap buffer.
pub const SCRATCH_LEN: usize = 512;

/// `cap_enter`'s buffer for params, 8-byte aligned so that a Cap'n Proto
/// reader can read them in place (`cap::read_params`). Left uninitialised:
/// only the bytes a call's params were copied into are ever read (a NOP
/// does not pay for clearing it).
#[repr(C, align(8))]
struct Scratch([MaybeUninit<u8>; SCRATCH_LEN]);

// Entries are read and written a 64-bit word at a time: each must lie in
// one page, at a multiple of 8.
const _: () = assert!(
    abi::SQ_OFFSET.is_multiple_of(SQE_SIZE)
        && 4096 % SQE_SIZE == 0
        && abi::CQ_OFFSET.is_multiple_of(CQE_SIZE)
        && 4096 % CQE_SIZE == 0
        && CQE_SIZE.is_multiple_of(8)
);

/// What a thread blocked in `cap_enter` waits for.
#[derive(Debug, Clone, Copy)]
struct Wait {
    /// Completions wanted (at most `CQ_ENTRIES`).
    min: u32,
    /// With `CAP_ENTER_SINCE`: the CQ tail the caller last saw; it waits
    /// for `min` completions posted after it rather than `min` waiting.
    since: Option<u32>,
}

impl Wait {
    /// Whether the wait is over with the CQ's tail at `tail` and
    /// `available` completions waiting.
    fn satisfied(self, tail: u32, available: u32) -> bool {
        match self.since {
            Some(seen) => tail.wrapping_sub(seen) >= self.min,
            None => available >= self.min,
        }
    }
}

/// Kernel-side state of one process's ring.
pub struct Ring {
    frames: [u64; RING_PAGES],
    sq_head: u32,
    cq_tail: u32,
    /// Calls accepted but not yet completed (each holds a CQ slot).
    pending: u32,
    /// Threads blocked in `cap_enter`, and what each waits for.
    waiters: Vec<(Arc<Thread>, Wait)>,
}

impl Ring {
    /// A ring over the given physical pages (in ring order), with its header
    /// initialised.
    pub fn new(frames: [u64; RING_PAGES]) -> Self {
        let ring = Self { frames, sq_head: 0, cq_tail: 0, pending: 0, waiters: Vec::new() };
        // SAFETY: the magic is the 8-byte aligned first field of the
        // header, in the ring's first page (see `read_sqe`).
        unsafe { core::ptr::write_volatile(ring.byte_ptr(header::MAGIC) as *mut u64, abi::RING_MAGIC) };
        ring.write_u32(header::VERSION, abi::RING_VERSION);
        ring.write_u32(header::SQ_ENTRIES, abi::SQ_ENTRIES);
        ring.write_u32(header::CQ_ENTRIES, abi::CQ_ENTRIES);
        ring
    }

    #[inline]
    fn byte_ptr(&self, offset: usize) -> *mut u8 {
        let page = self.frames[offset / 4096];
        (layout::phys_to_virt(page) + (offset % 4096) as u64) as *mut u8
    }

    /// A copy of SQE `index` (modulo the SQ's size), read a word at a time.
    #[inline]
    fn read_sqe(&self, index: u32) -> [u64; SQE_SIZE / 8] {
        crate::profile::count(Counter::RingEntries);
        let entry = self.byte_ptr(abi::sqe_offset(index)) as *const u64;
        core::array::from_fn(|i| {
            // SAFETY: the entry lies inside one page of the ring region at a
            // multiple of 8 (the assertion above), whose frames the
            // process's address space owns for as long as this `Ring`
            // exists; the window maps them. Volatile: the process may write
            // concurrently (its own problem, never ours: we use the copy).
            unsafe { core::ptr::read_volatile(entry.add(i)) }
        })
    }

    /// Writes `cqe` into CQ slot `index` (modulo the CQ's size), a word at
    /// a time.
    #[inline]
    fn write_cqe(&self, index: u32, cqe: &Cqe) {
        crate::profile::count(Counter::RingEntries);
        let entry = self.byte_ptr(abi::cqe_offset(index)) as *mut u64;
        for (i, word) in cqe.to_words().into_iter().enumerate() {
            // SAFETY: as in `read_sqe`.
            unsafe { core::ptr::write_volatile(entry.add(i), word) };
        }
    }

    /// A 32-bit index field of the header, accessed atomically (the
    /// process reads and writes them concurrently from user mode).
    #[inline]
    fn index(&self, offset: usize) -> &AtomicU32 {
        // SAFETY: `offset` is one of the 4-byte aligned index fields of the
        // header, inside the ring's first page, which stays mapped in the
        // window as long as this `Ring` exists; AtomicU32 has the layout of
        // u32, and all accesses to it are atomic.
        unsafe { &*(self.byte_ptr(offset) as *const AtomicU32) }
    }

    #[inline]
    fn read_u32(&self, offset: usize) -> u32 {
        self.index(offset).load(Ordering::Acquire)
    }

    #[inline]
    fn write_u32(&self, offset: usize, value: u32) {
        self.index(offset).store(value, Ordering::Release);
    }

    /// Completions waiting for the process to read, or `RingCorrupted`.
    #[inline]
    fn available(&self) -> Result<u32, CapError> {
        let head = self.read_u32(header::CQ_HEAD);
        let free = abi::free_completions(self.cq_tail, head)?;
        Ok(abi::CQ_ENTRIES - free)
    }

    /// Free CQ slots not reserved for pending calls.
    #[inline]
    fn free_slots(&self) -> Result<u32, CapError> {
        let head = self.read_u32(header::CQ_HEAD);
        Ok(abi::free_completions(self.cq_tail, head)?.saturating_sub(self.pending))
    }

    /// How many SQEs may be taken now: those submitted and not yet taken,
    /// at most one per CQ slot not reserved (each taken SQE reserves one,
    /// so it will complete). Reads the process's indices once: more
    /// submitted or collected meanwhile are seen by the next call.
    #[inline]
    fn takeable(&self) -> Result<u32, CapError> {
        let tail = self.read_u32(header::SQ_TAIL);
        let pending = abi::pending_submissions(self.sq_head, tail)?;
        if pending == 0 {
            return Ok(0);
        }
        Ok(pending.min(self.free_slots()?))
    }

    /// Takes the next SQE, as words (its CQ slot is then reserved). Only
    /// for an SQE [`Self::takeable`] counted.
    #[inline]
    fn take(&mut self) -> [u64; SQE_SIZE / 8] {
        let words = self.read_sqe(self.sq_head);
        self.sq_head = self.sq_head.wrapping_add(1);
        self.write_u32(header::SQ_HEAD, self.sq_head);
        self.pending += 1;
        words
    }

    /// Posts `cqe` in the slot kept for its SQE and wakes the threads
    /// waiting for it. (With several threads waiting, each looks for its
    /// own completions and waits again if they are not there yet.)
    #[inline]
    fn complete(&mut self, cqe: &Cqe) {
        self.pending = self.pending.saturating_sub(1);
        self.write_cqe(self.cq_tail, cqe);
        self.cq_tail = self.cq_tail.wrapping_add(1);
        // Release: the CQE's bytes are visible before the new tail.
        self.write_u32(header::CQ_TAIL, self.cq_tail);
        if !self.waiters.is_empty() {
            self.wake_waiters();
        }
    }

    /// Wakes the waiters the completions now posted satisfy.
    #[cold]
    fn wake_waiters(&mut self) {
        let (tail, available) = (self.cq_tail, self.available().unwrap_or(0));
        self.waiters.retain(|(thread, wait)| {
            if wait.satisfied(tail, available) {
                crate::sched::wake(thread);
                false
            } else {
                true
            }
        });
    }
}

/// `cap_enter(min_complete, timeout_ns, flags, since)` for the running
/// thread's process; `since` is the CQ tail the caller saw, if it passed
/// `CAP_ENTER_SINCE`.
pub fn cap_enter(
    process: &Arc<Process>,
    min_complete: u32,
    timeout_ns: u64,
    interruptible: bool,
    since: Option<u32>,
) -> Result<u32, CapError> {
    let wait = Wait { min: min_complete.min(abi::CQ_ENTRIES), since };
    // Only a caller that may block looks up its thread, and only once it
    // is about to (`take_step`): a call answered at once takes no
    // scheduler lock.
    let may_wait = timeout_ns != 0;
    let mut scratch = Scratch([MaybeUninit::uninit(); SCRATCH_LEN]);
    let thread = loop {
        let take = Stamp::now();
        let step = take_step(process, wait, may_wait, interruptible, &mut scratch.0);
        take.end(Counter::TakeCycles);
        let run = Stamp::now();
        match step {
            Step::More => {}
            Step::Execute(sqe) => {
                if let Executed::Completed(cqe) = execute(process, &sqe) {
                    post_cqe(process, &cqe);
                }
            }
            Step::Call(sqe, prepared) => call(process, &sqe, prepared, &scratch.0),
            Step::Done(available) => return Ok(available),
            Step::Interrupted => return Err(CapError::Interrupted),
            Step::Failed(e) => return Err(e),
            Step::Wait(thread) => break thread,
        }
        run.end(Counter::ExecuteCycles);
    };
    let deadline_ns = (timeout_ns != capos_abi::syscall::NO_TIMEOUT)
        .then(|| crate::time::uptime_ns().saturating_add(timeout_ns));
    let blocked = Stamp::now();
    crate::sched::block(ThreadState::BlockedOnRing { min_complete, deadline_ns });
    blocked.end(Counter::BlockedCycles);
    let (available, satisfied) = with_ring(process, |ring| {
        ring.waiters.retain(|(t, _)| !Arc::ptr_eq(t, &thread));
        let available = ring.available()?;
        Ok((available, wait.satisfied(ring.cq_tail, available)))
    })?;
    // A signal to take ends an interruptible wait (the handler runs on the
    // way out, or once the runtime is ready for it).
    if interruptible && !satisfied && crate::signal::interrupts(process, &thread) {
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

/// What `cap_enter` does after one acquisition of the process lock.
enum Step {
    /// A chunk of SQEs was handled under the lock; more may follow.
    More,
    /// An SQE to carry out without the lock ([`execute`]).
    Execute(Sqe),
    /// A call, prepared under the lock, to make without it.
    Call(Sqe, PreparedCall),
    /// No SQE left: return this many completions waiting.
    Done(u32),
    /// No SQE left, too few completions, and a signal to take.
    Interrupted,
    /// No SQE left, too few completions: the thread (this one) is
    /// registered as a waiter and blocks.
    Wait(Arc<Thread>),
    /// `cap_enter` fails (a corrupted ring, a process without one, no
    /// memory to wait).
    Failed(CapError),
}

/// One acquisition of the process lock: handles up to [`CHUNK`] SQEs (see
/// the module documentation); with none left, counts the completions and
/// registers `waiter` if it is to wait for more. (It returns a `Step`,
/// failures included, rather than a `Result`: the call it may carry is
/// then written once, where `cap_enter` reads it.)
fn take_step(
    process: &Process,
    wait: Wait,
    may_wait: bool,
    interruptible: bool,
    scratch: &mut [MaybeUninit<u8>; SCRATCH_LEN],
) -> Step {
    let mut inner = process.inner.lock();
    let ProcessInner { ring, caps, space, .. } = &mut *inner;
    let Some(ring) = ring.as_mut() else { return Step::Failed(CapError::Cancelled) };
    let mut left = CHUNK as u32;
    loop {
        let n = match ring.takeable() {
            Ok(0) => return none_left(process, ring, wait, may_wait, interruptible),
            Ok(n) => n.min(left),
            Err(e) => return Step::Failed(e),
        };
        for _ in 0..n {
            let words = ring.take();
            // A NOP checked on its words (the same check as `validate`'s).
            if Sqe::is_nop_words(&words) {
                ring.complete(&Cqe { user_data: words[1], ..Cqe::default() });
                continue;
            }
            let sqe = Sqe::from_words(&words);
            let cqe = match sqe.validate() {
                Err(e) => Cqe::error(sqe.user_data, e),
                Ok(Opcode::Nop) => Cqe { user_data: sqe.user_data, ..Cqe::default() },
                Ok(Opcode::Copy) => copy(caps, &sqe).unwrap_or_else(|e| Cqe::error(sqe.user_data, e)),
                Ok(Opcode::Call) => match prepare_call(caps, space.as_mut(), &sqe, scratch) {
                    Ok(Prepared::Call(prepared)) => return Step::Call(sqe, prepared),
                    Ok(Prepared::Answered(cqe)) => cqe,
                    Err(e) => Cqe::error(sqe.user_data, e),
                },
                Ok(_) => return Step::Execute(sqe),
            };
            ring.complete(&cqe);
        }
        left -= n;
        if left == 0 {
            return Step::More;
        }
    }
}

/// [`take_step`] with no SQE left to take: counts the completions and, if
/// the caller is to wait for more, registers it as a waiter (under the
/// same lock).
fn none_left(process: &Process, ring: &mut Ring, wait: Wait, may_wait: bool, interruptible: bool) -> Step {
    let available = match ring.available() {
        Ok(available) => available,
        Err(e) => return Step::Failed(e),
    };
    if !may_wait || wait.satisfied(ring.cq_tail, available) {
        return Step::Done(available);
    }
    // The scheduler's lock under the process lock, the order every
    // wake-up takes them in (`Ring::complete`).
    let Some(thread) = crate::sched::current() else { return Step::Done(available) };
    if interruptible && crate::signal::interrupts(process, &thread) {
        return Step::Interrupted;
    }
    if ring.waiters.try_reserve(1).is_err() {
        return Step::Failed(CapError::OutOfMemory);
    }
    ring.waiters.push((thread.clone(), wait));
    Step::Wait(thread)
}

enum Executed {
    Completed(Cqe),
    Pending,
}

/// Carries out an SQE that needs the process lock released (RELEASE,
/// RECV, RETURN, PARK, UNPARK); already validated and counted in
/// `pending`. A `Completed` result is posted by the caller.
fn execute(process: &Arc<Process>, sqe: &Sqe) -> Executed {
    let result = match sqe.validate() {
        Err(e) => Err(e),
        Ok(Opcode::Release) => {
            let removed = process.inner.lock().caps.remove(sqe.cap);
            // Drop the object outside the process lock: releasing the last
            // reference may end another process or complete its calls.
            removed.map(|object| {
                drop(object);
                Cqe { user_data: sqe.user_data, ..Cqe::default() }
            })
        }
        Ok(Opcode::Recv) => match recv(process, sqe) {
            Ok(()) => return Executed::Pending,
            Err(e) => Err(e),
        },
        Ok(Opcode::Return) => {
            answer(process, sqe).map(|()| Cqe { user_data: sqe.user_data, ..Cqe::default() })
        }
        Ok(Opcode::Park) => match super::park::park(process, sqe) {
            Ok(true) => return Executed::Pending,
            Ok(false) => Err(CapError::WouldBlock),
            Err(e) => Err(e),
        },
        Ok(Opcode::Unpark) => super::park::unpark(process.pid, sqe.params_addr, sqe.params_len)
            .map(|woken| Cqe { user_data: sqe.user_data, result: woken as i32, ..Cqe::default() }),
        // Handled under the lock by `take_step`.
        Ok(Opcode::Nop | Opcode::Copy | Opcode::Call) => Err(CapError::Unsupported),
    };
    Executed::Completed(result.unwrap_or_else(|e| Cqe::error(sqe.user_data, e)))
}

/// COPY: a second id for cap `cap` in the same table (the same object, as
/// a copy transfer to another process would give); the new id goes in the
/// CQE's `aux`. Fails with the lookup's error, or `QuotaExceeded` when the
/// table is full (nothing changes then). Runs under the process lock.
fn copy(caps: &mut CapTable, sqe: &Sqe) -> Result<Cqe, CapError> {
    let object = caps.get(sqe.cap)?;
    match caps.insert(object) {
        Ok(id) => Ok(Cqe { user_data: sqe.user_data, aux: u64::from(id), ..Cqe::default() }),
        // What comes back is a second reference to an object the table
        // still holds (looked up under this same lock): dropping it here
        // cannot be the last one.
        Err((e, released)) => {
            drop(released);
            Err(e)
        }
    }
}

/// A call's params: on the stack (`cap_enter`'s scratch buffer, its first
/// `n` bytes) or, when longer, on the heap.
enum Params {
    Scratch(usize),
    Heap(Vec<u8>),
}

impl Params {
    fn bytes<'a>(&'a self, scratch: &'a [MaybeUninit<u8>; SCRATCH_LEN]) -> &'a [u8] {
        match self {
            Self::Scratch(n) => {
                let n = (*n).min(SCRATCH_LEN);
                // SAFETY: `prepare_call` wrote the first `n` bytes (the
                // params it copied in) before making this `Params::Scratch`;
                // `MaybeUninit<u8>` has the layout of `u8`.
                unsafe { core::slice::from_raw_parts(scratch.as_ptr().cast::<u8>(), n) }
            }
            Self::Heap(bytes) => bytes,
        }
    }
}

/// A call checked and ready to be made (see [`prepare_call`]).
struct PreparedCall {
    object: CapRef,
    params: Params,
    transfer: Transfer,
}

/// Makes a call prepared under the lock, without it, and completes it if
/// the object answered at once.
fn call(process: &Arc<Process>, sqe: &Sqe, prepared: PreparedCall, scratch: &[MaybeUninit<u8>; SCRATCH_LEN]) {
    let PreparedCall { object, params, transfer } = prepared;
    // Charged while it lives: an object that keeps it (a sleep, a wait)
    // holds kernel memory for the caller.
    let charged = match PendingCall::charged(process, sqe) {
        Ok(charged) => charged,
        Err(e) => {
            drop(transfer.objects);
            process.finish_transfer(transfer.prepared, false);
            post_cqe(process, &Cqe::error(sqe.user_data, e));
            return;
        }
    };
    let pending = || PendingCall::for_sqe(process, sqe);
    let outcome = object.call(Call {
        method: sqe.method,
        params: params.bytes(scratch),
        caps: transfer.objects,
        pending: charged,
    });
    // Caps sent by move leave the sender only if the call took them.
    let accepted = !matches!(outcome, Outcome::Error(_));
    process.finish_transfer(transfer.prepared, accepted);
    match outcome {
        Outcome::Pending => {}
        // `deliver` posts the CQE in the slot `take` kept.
        Outcome::Done(reply) => {
            let _ = deliver(process, &pending(), Ok(reply));
        }
        Outcome::Error(e) => post_cqe(process, &Cqe::error(sqe.user_data, e)),
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
    endpoint.recv(PendingCall::charged(process, sqe)?, process.pid);
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
        // Results of up to `message::INLINE_LEN` bytes are carried in the
        // reply itself, not on the heap.
        let message = MessageBytes::from_user(space, sqe.params_addr, sqe.params_len)?;
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

/// What [`prepare_call`] made of a call.
enum Prepared {
    /// Ready to be made without the lock.
    Call(PreparedCall),
    /// Answered at once, under the lock: its CQE.
    Answered(Cqe),
}

/// Under the process lock: looks up the target, copies the params in
/// (into `scratch` when they fit), checks the result and cap buffers, and
/// prepares the sent caps — all before the call has any effect. The object
/// is a clone of the table's reference, so dropping it on an error drops
/// nothing under the lock.
///
/// A call that sends no caps, whose result buffer lies in one page of the
/// process's own, to an object that answers it at once
/// ([`super::CapObject::call_now`]: `Timer.now`, `WallClock.now`) is
/// answered here, after the same checks in the same order, with the
/// results written where the general path ([`deliver`]) writes them and
/// the same CQE: no pending call, no reply, no second lock.
fn prepare_call(
    caps: &mut CapTable,
    space: Option<&mut AddressSpace>,
    sqe: &Sqe,
    scratch: &mut [MaybeUninit<u8>; SCRATCH_LEN],
) -> Result<Prepared, CapError> {
    let object = caps.get(sqe.cap)?;
    if object.interface_id() != sqe.interface_id {
        return Err(CapError::WrongInterface);
    }
    let space = space.ok_or(CapError::Cancelled)?;
    let params = match scratch.get_mut(..sqe.params_len as usize) {
        Some(buffer) => {
            if !space.copy_from_user_uninit(sqe.params_addr, buffer) {
                return Err(CapError::BadAddress);
            }
            Params::Scratch(buffer.len())
        }
        None => Params::Heap(copy_in(space, sqe.params_addr, sqe.params_len)?),
    };
    let caps_room_writable =
        |space: &AddressSpace| space.is_writable(sqe.caps_addr, usize::from(sqe.caps_in_max) * 4);
    if sqe.caps_out == 0
        && caps_room_writable(space)
        && let Some(slot) = space.writable_slot(sqe.result_addr, sqe.result_len as usize)
        && let Some(result) = object.call_now(sqe.method, params.bytes(scratch))
    {
        return Ok(Prepared::Answered(answered(sqe, result, slot)));
    }
    let descriptors = read_descriptors(space, sqe)?;
    // The result buffer and the room for returned caps must be writable:
    // check now, so a bad buffer fails before the call has effects.
    if !space.is_writable(sqe.result_addr, sqe.result_len as usize) || !caps_room_writable(space) {
        return Err(CapError::BadAddress);
    }
    let transfer = caps.prepare_transfer(&descriptors)?;
    Ok(Prepared::Call(PreparedCall { object, params, transfer }))
}

/// The CQE of a call answered at once, its results written into `slot`
/// (the result buffer, checked writable): as [`deliver`] completes the
/// same results as a [`Reply`] (`refused`, then `insert_results`).
fn answered(sqe: &Sqe, result: Result<DataReply, CapError>, slot: UserSlot<'_>) -> Cqe {
    let data = match result {
        Ok(data) => data,
        Err(e) => return Cqe::error(sqe.user_data, e),
    };
    let len = data.words().len() * 8;
    if len > slot.capacity() {
        return Cqe {
            flags: cqe_flags::RESULT_TRUNCATED,
            aux: len as u64,
            ..Cqe::error(sqe.user_data, CapError::ResultTooSmall)
        };
    }
    if !slot.write_words(data.words()) {
        return Cqe::error(sqe.user_data, CapError::BadAddress);
    }
    Cqe { user_data: sqe.user_data, result: len as i32, ..Cqe::default() }
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
    let stamp = Stamp::now();
    let mut reply = match result {
        Err(e) => {
            post_cqe(process, &Cqe::error(call.user_data, e));
            return Err(e);
        }
        Ok(reply) => reply,
    };
    let undo = reply.undo.take();
    let cqe = match refused(call, &reply) {
        Some(cqe) => cqe,
        None => {
            // One acquisition of the lock: the results in and, when that
            // worked, the CQE posted.
            let mut inner = process.inner.lock();
            let (cqe, undelivered) = insert_results(&mut inner, call, reply);
            if cqe.error_code().is_none() {
                if let Some(ring) = inner.ring.as_mut() {
                    ring.complete(&cqe);
                }
                drop(inner);
                stamp.end(Counter::PostCycles);
                return Ok(());
            }
            drop(inner);
            // Caps that did not reach the process are dropped after its
            // lock is released (see `cap::table`).
            drop(undelivered);
            cqe
        }
    };
    // A reply that did not arrive leaves no effect behind (a spawned child
    // is killed before the caller sees the error). No lock is held here.
    if let Some(undo) = undo {
        undo();
    }
    post_cqe(process, &cqe);
    cqe.error_code().map_or(Ok(()), Err)
}

/// Posts an error CQE with `aux` for a call (its CQ slot is released).
pub fn post_error(process: &Arc<Process>, call: &PendingCall, error: CapError, aux: u64) {
    let flags = if error == CapError::ResultTooSmall { cqe_flags::RESULT_TRUNCATED } else { 0 };
    post_cqe(process, &Cqe { aux, flags, ..Cqe::error(call.user_data, error) });
}

/// Posts `cqe` in the CQ slot kept for its SQE and wakes the threads
/// waiting for it.
pub fn post_cqe(process: &Arc<Process>, cqe: &Cqe) {
    let stamp = Stamp::now();
    if let Some(ring) = process.inner.lock().ring.as_mut() {
        ring.complete(cqe);
    }
    stamp.end(Counter::PostCycles);
}

/// The error CQE for a reply that cannot fit the caller's buffers (its
/// message or its caps), before anything is written.
fn refused(call: &PendingCall, reply: &Reply) -> Option<Cqe> {
    let len = reply.message.len();
    if len > call.result_len as usize {
        return Some(Cqe {
            user_data: call.user_data,
            result: CapError::ResultTooSmall.as_result(),
            flags: cqe_flags::RESULT_TRUNCATED,
            aux: len as u64,
            ..Cqe::default()
        });
    }
    if reply.caps.len() > usize::from(call.caps_in_max) {
        return Some(Cqe {
            aux: reply.caps.len() as u64,
            ..Cqe::error(call.user_data, CapError::ResultTooSmall)
        });
    }
    None
}

/// Under the process lock: the reply's caps into the table, the message and
/// the cap ids into the result buffers; the caps that could not be
/// delivered come back, to be dropped outside the lock.
fn insert_results(inner: &mut ProcessInner, call: &PendingCall, reply: Reply) -> (Cqe, Vec<CapRef>) {
    let Some(space) = inner.space.as_mut() else {
        return (Cqe::error(call.user_data, CapError::Cancelled), reply.caps);
    };
    let ids = match inner.caps.insert_all(reply.caps) {
        Ok(ids) => ids,
        Err((e, released)) => return (Cqe::error(call.user_data, e), released.0),
    };
    let mut id_bytes = Vec::new();
    if !ids.is_empty() {
        if id_bytes.try_reserve_exact(ids.len() * 4).is_err() {
            return (Cqe::error(call.user_data, CapError::OutOfMemory), inner.caps.remove_all(&ids));
        }
        id_bytes.extend(ids.iter().flat_map(|id| id.to_le_bytes()));
    }
    // A copy-on-write page of the buffers gets a frame of its own first;
    // without a free frame the call fails with `OutOfMemory`.
    let written = space.copy_to_user(call.result_addr, &reply.message).and_then(|()| {
        if id_bytes.is_empty() { Ok(()) } else { space.copy_to_user(call.caps_addr, &id_bytes) }
    });
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
