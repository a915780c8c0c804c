//! The ring client: writes SQEs into the process's ring, enters the kernel,
//! and collects CQEs, which may arrive in any order — each is kept until
//! someone asks for its `user_data`.
//!
//! One `RingClient` owns the ring (the kernel maps one per process); the
//! runtime keeps it behind a lock ([`with_ring`]). Layout and rules:
//! `capos_config::ring`, `docs/ring-abi.md`.

use alloc::collections::BTreeMap;
use capos_abi::error::CapError;
use capos_abi::syscall::NO_TIMEOUT;
use capos_config::ring::{self as abi, CQE_SIZE, Cqe, SQE_SIZE, Sqe, header};
use core::sync::atomic::{AtomicU32, Ordering};
use spin::Mutex;

/// Why the ring could not be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RingError {
    /// The header's magic, version or sizes are not what this runtime knows.
    BadHeader,
}

/// The process's ring.
pub struct RingClient {
    base: *mut u8,
    sq_tail: u32,
    cq_head: u32,
    next_user_data: u64,
    /// Completions read from the CQ but not yet claimed.
    stash: Stash,
    /// Buffers of calls dropped before they completed, freed when their
    /// completion arrives (the kernel may still write into them until then).
    orphans: BTreeMap<u64, Orphan>,
}

/// Completions collected for their owners, in the order they were posted:
/// a queue that keeps its capacity, so collecting a batch of completions
/// allocates nothing once the process has had as many waiting before (a
/// map allocated and freed nodes for every batch). An owner that takes its
/// completions in the order it submitted them (a batch read back) finds
/// each at the front; any other is found by a scan (the queue holds the
/// completions of calls in flight whose owners have not asked yet).
#[derive(Default)]
struct Stash(alloc::collections::VecDeque<Cqe>);

impl Stash {
    fn insert(&mut self, cqe: Cqe) {
        self.0.push_back(cqe);
    }

    fn remove(&mut self, user_data: u64) -> Option<Cqe> {
        match self.0.front() {
            None => None,
            Some(front) if front.user_data == user_data => self.0.pop_front(),
            Some(_) => {
                let at = self.0.iter().position(|c| c.user_data == user_data)?;
                self.0.remove(at)
            }
        }
    }

    fn contains(&self, user_data: u64) -> bool {
        self.0.iter().any(|c| c.user_data == user_data)
    }
}

/// Memory a dropped call's completion may still be written into.
pub type Orphan = alloc::vec::Vec<alloc::vec::Vec<u8>>;

// SAFETY: the ring memory is the process's own; the client is used behind
// a lock.
unsafe impl Send for RingClient {}

impl RingClient {
    /// Takes over the ring mapped at `addr`.
    ///
    /// # Safety
    /// `addr` must be the ring region the kernel mapped
    /// (`capos_config::ring::RING_SIZE` bytes, writable), and no other
    /// `RingClient` may exist for it.
    pub unsafe fn new(addr: u64) -> Result<Self, RingError> {
        let client = Self {
            base: addr as *mut u8,
            sq_tail: 0,
            cq_head: 0,
            next_user_data: 1,
            stash: Stash::default(),
            orphans: BTreeMap::new(),
        };
        // SAFETY: inside the mapped region (caller's guarantee).
        let magic = unsafe { core::ptr::read_volatile(client.base.add(header::MAGIC) as *const u64) };
        if magic != abi::RING_MAGIC
            || client.load(header::VERSION) != abi::RING_VERSION
            || client.load(header::SQ_ENTRIES) != abi::SQ_ENTRIES
            || client.load(header::CQ_ENTRIES) != abi::CQ_ENTRIES
        {
            return Err(RingError::BadHeader);
        }
        let mut client = client;
        client.sq_tail = client.load(header::SQ_TAIL);
        client.cq_head = client.load(header::CQ_HEAD);
        Ok(client)
    }

    fn field(&self, offset: usize) -> &AtomicU32 {
        // SAFETY: `offset` is a 4-byte aligned header field inside the
        // mapped ring, which lives as long as the process.
        unsafe { &*(self.base.add(offset) as *const AtomicU32) }
    }

    fn load(&self, offset: usize) -> u32 {
        self.field(offset).load(Ordering::Acquire)
    }

    fn store(&self, offset: usize, value: u32) {
        self.field(offset).store(value, Ordering::Release);
    }

    /// A fresh `user_data` value.
    pub fn next_user_data(&mut self) -> u64 {
        let v = self.next_user_data;
        self.next_user_data += 1;
        v
    }

    /// SQEs submitted but not yet taken by the kernel.
    pub fn unconsumed(&self) -> u32 {
        self.sq_tail.wrapping_sub(self.load(header::SQ_HEAD))
    }

    /// Queues an SQE; if the SQ is full, enters the kernel first to make room.
    #[inline]
    pub fn submit(&mut self, sqe: &Sqe) -> Result<(), CapError> {
        if self.unconsumed() >= abi::SQ_ENTRIES {
            self.make_room()?;
        }
        let at = abi::sqe_offset(self.sq_tail);
        // SAFETY: the slot lies inside the SQ array of the mapped ring, at
        // a multiple of 64 from its page-aligned base (so 8-byte aligned),
        // and the kernel does not read it until `sq_tail` passes it.
        unsafe { core::ptr::write(self.base.add(at) as *mut [u64; SQE_SIZE / 8], sqe.to_words()) };
        self.sq_tail = self.sq_tail.wrapping_add(1);
        self.store(header::SQ_TAIL, self.sq_tail);
        Ok(())
    }

    /// With the SQ full: enters the kernel (which takes SQEs as CQ room
    /// allows) and collects, until a slot is free.
    #[cold]
    fn make_room(&mut self) -> Result<(), CapError> {
        while self.unconsumed() >= abi::SQ_ENTRIES {
            self.enter(0, 0)?;
            self.reap();
        }
        Ok(())
    }

    /// `cap_enter(min_complete, timeout_ns)`.
    pub fn enter(&mut self, min_complete: u32, timeout_ns: u64) -> Result<u32, CapError> {
        let r = crate::syscall::cap_enter(min_complete, timeout_ns);
        if r < 0 {
            Err(CapError::from_result(r as i32).unwrap_or(CapError::Unsupported))
        } else {
            Ok(r as u32)
        }
    }

    /// CQE `index`, which the kernel has posted (`index` is before the
    /// CQ tail, loaded with acquire).
    fn read_cqe(&self, index: u32) -> Cqe {
        let at = abi::cqe_offset(index);
        // SAFETY: the slot lies in the CQ array, 8-byte aligned (CQEs are
        // 32 bytes from a page-aligned base); the kernel published it
        // (release) before moving `cq_tail`, which the caller loaded with
        // acquire.
        let words = unsafe { core::ptr::read(self.base.add(at) as *const [u64; CQE_SIZE / 8]) };
        Cqe::from_words(&words)
    }

    /// Moves every posted CQE into the stash.
    pub fn reap(&mut self) -> usize {
        self.collect([None, None]).1
    }

    /// Collects every posted CQE: the ones for `wanted` (if they are
    /// there) are returned rather than stashed — the common case of one
    /// call in flight (or a server's RETURN and RECV) then never touches
    /// the stash —, the others go into the stash (or free their orphaned
    /// buffers). Also returns how many were collected.
    fn collect(&mut self, wanted: [Option<u64>; 2]) -> ([Option<Cqe>; 2], usize) {
        let tail = self.load(header::CQ_TAIL);
        let mut found = [None, None];
        let n = tail.wrapping_sub(self.cq_head) as usize;
        while self.cq_head != tail {
            let cqe = self.read_cqe(self.cq_head);
            self.cq_head = self.cq_head.wrapping_add(1);
            // A dropped call's completion frees its buffers; ours are kept
            // aside; the others wait in the stash for their owners.
            if !self.orphans.is_empty() && self.orphans.remove(&cqe.user_data).is_some() {
                continue;
            }
            if found[0].is_none() && wanted[0] == Some(cqe.user_data) {
                found[0] = Some(cqe);
            } else if found[1].is_none() && wanted[1] == Some(cqe.user_data) {
                found[1] = Some(cqe);
            } else {
                self.stash.insert(cqe);
            }
        }
        if n != 0 {
            self.store(header::CQ_HEAD, self.cq_head);
        }
        (found, n)
    }

    /// The completions for `a` and `b`, each if it has arrived (they stay
    /// nowhere else: a completion returned here is gone from the ring).
    pub fn try_take_pair(&mut self, a: u64, b: u64) -> (Option<Cqe>, Option<Cqe>) {
        let ([first, second], _) = self.collect([Some(a), Some(b)]);
        (first.or_else(|| self.stash.remove(a)), second.or_else(|| self.stash.remove(b)))
    }

    /// The CQ tail this client has collected up to (for
    /// [`crate::syscall::cap_enter_since`]).
    pub fn seen(&self) -> u32 {
        self.cq_head
    }

    /// Keeps `buffers` until the completion of `user_data` arrives, then
    /// frees them and drops the completion.
    pub fn orphan(&mut self, user_data: u64, buffers: Orphan) {
        self.reap();
        if self.stash.remove(user_data).is_none() {
            self.orphans.insert(user_data, buffers);
        }
    }

    /// Whether the completion for `user_data` has arrived (it stays
    /// available for [`Self::try_take`]).
    pub fn is_complete(&mut self, user_data: u64) -> bool {
        self.reap();
        self.stash.contains(user_data)
    }

    /// The completion for `user_data` if it has arrived.
    #[inline]
    pub fn try_take(&mut self, user_data: u64) -> Option<Cqe> {
        // Nothing stashed or orphaned and ours first in the CQ (one call in
        // flight, or a batch read back in order): taken from there alone.
        if self.stash.0.is_empty() && self.orphans.is_empty() {
            if self.cq_head == self.load(header::CQ_TAIL) {
                return None;
            }
            let cqe = self.read_cqe(self.cq_head);
            if cqe.user_data == user_data {
                self.cq_head = self.cq_head.wrapping_add(1);
                self.store(header::CQ_HEAD, self.cq_head);
                return Some(cqe);
            }
        } else if let Some(cqe) = self.stash.remove(user_data) {
            return Some(cqe);
        }
        self.collect([Some(user_data), None]).0[0]
    }

    /// Waits for the completion of `user_data` (entering the kernel as
    /// needed; other completions are kept for their owners).
    pub fn wait_for(&mut self, user_data: u64) -> Result<Cqe, CapError> {
        loop {
            if let Some(cqe) = self.try_take(user_data) {
                return Ok(cqe);
            }
            self.enter(1, NO_TIMEOUT)?;
        }
    }

    /// The ring's base address (for tests that poke the ring directly).
    pub fn base(&self) -> *mut u8 {
        self.base
    }
}

static RING: Mutex<Option<RingClient>> = Mutex::new(None);

/// Installs the process's ring client (done by `entry::start`).
pub fn install(client: RingClient) {
    *RING.lock() = Some(client);
}

/// In a forked child (one thread, a fresh empty ring at the same
/// address): releases the ring lock if another thread of the parent held
/// it at the fork, and installs a fresh client.
pub(crate) fn reset_after_fork() {
    if RING.is_locked() {
        // SAFETY: only the calling thread exists in the child; whoever
        // held the lock in the parent is not here to release it.
        unsafe { RING.force_unlock() };
    }
    let addr = capos_abi::layout::RING_ADDR;
    // SAFETY: the child's ring is mapped at the same address as the
    // parent's was, fresh; the old client (a copy of the parent's) goes.
    if let Ok(client) = unsafe { RingClient::new(addr) } {
        let old = RING.lock().replace(client);
        core::mem::forget(old);
    }
}

/// Waits for the completion of `user_data` without holding the ring lock
/// while blocked, so other threads can use the ring meanwhile (each thread
/// waits for its own completions; the ones it reaps for others stay in the
/// stash). The wait is for a completion posted after the last one this
/// thread collected ([`wait_since`]): another thread may collect ours
/// between our look and our wait, and a plain "one completion waiting"
/// would then never come.
pub fn wait_for(user_data: u64) -> Result<Cqe, CapError> {
    loop {
        let (found, seen) = with_ring(|ring| (ring.try_take(user_data), ring.seen()))?;
        if let Some(cqe) = found {
            return Ok(cqe);
        }
        wait_since(seen, NO_TIMEOUT, 0)?;
    }
}

/// Waits for the completion of `user_data`, just submitted by this thread
/// with the CQ collected up to `seen`: the first `cap_enter` takes the SQE
/// (and returns as soon as any completion is posted after `seen`, which
/// for a call answered at once is its own) without looking in the CQ
/// first, where it cannot be yet; then as [`wait_for`].
pub fn wait_for_submitted(user_data: u64, seen: u32) -> Result<Cqe, CapError> {
    wait_since(seen, NO_TIMEOUT, 0)?;
    // Most often (a call answered at once, or the only one in flight) it
    // is there now.
    if let Some(cqe) = with_ring(|ring| ring.try_take(user_data))? {
        return Ok(cqe);
    }
    wait_for(user_data)
}

/// Waits for the completions of `a` and `b` (a server's RETURN and the
/// RECV after it) with, in the common case, one `cap_enter`: it waits for
/// two completions posted after the last one collected. As
/// [`wait_for`], the ring lock is not held while blocked; a completion
/// another thread collected meanwhile is found in the stash.
pub fn wait_for_pair(a: u64, b: u64) -> Result<(Cqe, Cqe), CapError> {
    let (mut first, mut second) = (None, None);
    loop {
        let seen = with_ring(|ring| {
            let (x, y) = ring.try_take_pair(a, b);
            first = first.or(x);
            second = second.or(y);
            ring.seen()
        })?;
        match (first, second) {
            (Some(x), Some(y)) => return Ok((x, y)),
            (None, None) => wait_since_for(2, seen, NO_TIMEOUT, 0)?,
            _ => wait_since(seen, NO_TIMEOUT, 0)?,
        };
    }
}

/// The CQ tail collected up to so far (collecting first): what a thread
/// looks at before it waits with [`wait_since`].
pub fn seen() -> Result<u32, CapError> {
    with_ring(|ring| {
        ring.reap();
        ring.seen()
    })
}

/// `cap_enter` until a completion is posted after CQ tail `seen` (or
/// `timeout_ns`); `flags` as `cap_enter`'s.
pub fn wait_since(seen: u32, timeout_ns: u64, flags: u64) -> Result<u32, CapError> {
    wait_since_for(1, seen, timeout_ns, flags)
}

/// [`wait_since`] for `count` completions posted after `seen`.
pub fn wait_since_for(count: u32, seen: u32, timeout_ns: u64, flags: u64) -> Result<u32, CapError> {
    let r = crate::syscall::cap_enter_since(count, timeout_ns, flags, seen);
    if r < 0 { Err(CapError::from_result(r as i32).unwrap_or(CapError::Unsupported)) } else { Ok(r as u32) }
}

/// Runs `f` with the process's ring client.
pub fn with_ring<T>(f: impl FnOnce(&mut RingClient) -> T) -> Result<T, CapError> {
    let mut guard = RING.lock();
    let ring = guard.as_mut().ok_or(CapError::Cancelled)?;
    Ok(f(ring))
}
