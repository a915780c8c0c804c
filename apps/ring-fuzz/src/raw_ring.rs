//! The fuzz child's own view of its ring. The fuzzer cannot use the
//! runtime's ring client: it corrupts the header on purpose, points the
//! kernel's writes at the ring itself and leaves completions unclaimed. So
//! it takes the indices over once (when the runtime has nothing in flight)
//! and from then on reads and writes the ring directly.

use capos_config::ring::{self as abi, CQE_SIZE, Cqe, SQE_SIZE, Sqe, header};
use core::sync::atomic::{AtomicU32, Ordering};

/// The ring, driven by hand.
pub struct RawRing {
    base: *mut u8,
    /// The next SQ index this process writes.
    pub sq_tail: u32,
    /// The next CQ index this process reads.
    pub cq_head: u32,
}

impl RawRing {
    /// Takes over the ring at `RING_ADDR` where the runtime left it.
    ///
    /// # Safety
    /// The runtime's ring client must never be used again by this process
    /// (it would disagree about the indices), and nothing may be in flight.
    pub unsafe fn take_over() -> Self {
        let mut ring = RawRing { base: abi::RING_ADDR as *mut u8, sq_tail: 0, cq_head: 0 };
        ring.sq_tail = ring.load(header::SQ_TAIL);
        ring.cq_head = ring.load(header::CQ_HEAD);
        ring
    }

    fn field(&self, offset: usize) -> &AtomicU32 {
        // SAFETY: `offset` is a 4-byte aligned header field inside the ring
        // region, which the kernel maps for the whole life of the process.
        unsafe { &*(self.base.add(offset) as *const AtomicU32) }
    }

    /// A header field.
    pub fn load(&self, offset: usize) -> u32 {
        self.field(offset).load(Ordering::Acquire)
    }

    /// Writes a header field (hostile values included).
    pub fn store(&self, offset: usize, value: u32) {
        self.field(offset).store(value, Ordering::Release);
    }

    /// Writes `sqe` at the tail and publishes it; false if the SQ is full.
    pub fn push(&mut self, sqe: &Sqe) -> bool {
        if self.sq_tail.wrapping_sub(self.load(header::SQ_HEAD)) >= abi::SQ_ENTRIES {
            return false;
        }
        let bytes = sqe.to_bytes();
        // SAFETY: the slot is inside the SQ array of the mapped ring.
        unsafe {
            core::ptr::copy_nonoverlapping(
                bytes.as_ptr(),
                self.base.add(abi::sqe_offset(self.sq_tail)),
                SQE_SIZE,
            )
        };
        self.sq_tail = self.sq_tail.wrapping_add(1);
        self.store(header::SQ_TAIL, self.sq_tail);
        true
    }

    /// Posted completions not yet read.
    pub fn waiting(&self) -> u32 {
        self.load(header::CQ_TAIL).wrapping_sub(self.cq_head)
    }

    /// Reads the next posted completion, if any.
    pub fn pop(&mut self) -> Option<Cqe> {
        if self.waiting() == 0 {
            return None;
        }
        let mut bytes = [0u8; CQE_SIZE];
        // SAFETY: the slot is inside the CQ array; the kernel published it
        // before moving `cq_tail`, read above with acquire.
        unsafe {
            core::ptr::copy_nonoverlapping(
                self.base.add(abi::cqe_offset(self.cq_head)),
                bytes.as_mut_ptr(),
                CQE_SIZE,
            )
        };
        self.cq_head = self.cq_head.wrapping_add(1);
        self.store(header::CQ_HEAD, self.cq_head);
        Some(Cqe::from_bytes(&bytes))
    }

    /// Puts this process's own indices back into the header (after it
    /// wrote garbage there, or the kernel wrote a result there).
    pub fn restore(&self) {
        self.store(header::SQ_TAIL, self.sq_tail);
        self.store(header::CQ_HEAD, self.cq_head);
    }

    /// Gives up on what is in the queues: takes the kernel's `sq_head` as
    /// the tail (unsubmitted SQEs are dropped) and, with `drop_cqes`, its
    /// `cq_tail` as the head.
    pub fn resync(&mut self, drop_cqes: bool) {
        self.sq_tail = self.load(header::SQ_HEAD);
        if drop_cqes {
            self.cq_head = self.load(header::CQ_TAIL);
        }
        self.restore();
    }

    /// The address range of the ring region.
    pub fn range() -> (u64, u64) {
        (abi::RING_ADDR, abi::RING_ADDR + abi::RING_SIZE as u64)
    }
}
