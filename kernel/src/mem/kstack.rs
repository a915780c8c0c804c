//! Kernel stacks for threads: 16 KiB each, mapped in their own slot of the
//! kernel-stack area with an unmapped guard page below, so an overflow
//! faults instead of corrupting a neighbour. Slots are reused.
//!
//! There are [`STACKS`] slots; the kernel-memory quotas of all processes
//! together can pay for at most [`USER_STACKS`] threads
//! (`kmem_quota::root`), so user threads never run out of them and the
//! kernel's own keep the rest. The page tables
//! of the whole area are made once at boot ([`warm_up`]): a burst of
//! threads never leaves page tables behind, so the kernel's count of free
//! frames returns to its value before init whatever ran.

use alloc::vec::Vec;
use spin::Mutex;

use super::paging::{self, Access, MapError};

/// Start of the kernel-stack area.
const AREA_BASE: u64 = 0xFFFF_F000_0000_0000;
/// Bytes per slot: the guard page, the stack, and unmapped padding.
const SLOT_SIZE: u64 = 32 * 1024;
/// Usable bytes of each stack.
pub const STACK_SIZE: u64 = 16 * 1024;
/// Most slots: every thread that can exist at once (the area is 512 MiB).
pub const STACKS: usize = 16384;
/// Slots the threads of processes can take (the rest are the kernel's:
/// idle threads and kernel tasks).
pub const USER_STACKS: usize = STACKS - 256;
const MAX_SLOTS: u64 = STACKS as u64;
/// Bytes one last-level page table maps.
// Only the normal kernel starts init; the ktest build does not warm up.
#[cfg_attr(feature = "ktest", allow(dead_code))]
const TABLE_SPAN: u64 = 2 << 20;

/// Makes the page tables of the whole kernel-stack area (256 tables, 1 MiB),
/// so that kernel stacks made later never allocate one. Called once,
/// before the first process starts.
#[cfg_attr(feature = "ktest", allow(dead_code))]
pub fn warm_up() -> Result<(), MapError> {
    let mut table = 0;
    while table < MAX_SLOTS * SLOT_SIZE {
        // Mapping one page makes the tables above it; unmapping it leaves
        // them in place.
        let page = AREA_BASE + table;
        paging::map_fresh(page, 4096, Access::ReadWrite)?;
        if let Ok(phys) = paging::unmap_page(page) {
            let frame =
                x86_64::structures::paging::PhysFrame::containing_address(x86_64::PhysAddr::new(phys));
            let _ = super::frame::free(frame);
        }
        table += TABLE_SPAN;
    }
    Ok(())
}

struct Slots {
    next: u64,
    free: Vec<u64>,
}

static SLOTS: Mutex<Slots> = Mutex::new(Slots { next: 0, free: Vec::new() });

/// A mapped kernel stack; unmapped and its frames freed on drop.
#[derive(Debug)]
pub struct KernelStack {
    slot: u64,
}

impl KernelStack {
    /// Maps a new stack.
    pub fn new() -> Result<Self, MapError> {
        let slot = {
            let mut slots = SLOTS.lock();
            match slots.free.pop() {
                Some(slot) => slot,
                None if slots.next < MAX_SLOTS => {
                    slots.next += 1;
                    slots.next - 1
                }
                None => return Err(MapError::OutOfFrames),
            }
        };
        let stack = Self { slot };
        if let Err(e) = paging::map_fresh(stack.bottom(), STACK_SIZE, Access::ReadWrite) {
            SLOTS.lock().free.push(slot);
            core::mem::forget(stack);
            return Err(e);
        }
        Ok(stack)
    }

    /// Lowest byte of the stack (the guard page is the page below).
    pub fn bottom(&self) -> u64 {
        AREA_BASE + self.slot * SLOT_SIZE + 4096
    }

    /// One past the highest byte: the initial stack pointer.
    pub fn top(&self) -> u64 {
        self.bottom() + STACK_SIZE
    }
}

impl Drop for KernelStack {
    fn drop(&mut self) {
        let mut page = self.bottom();
        while page < self.top() {
            if let Ok(phys) = paging::unmap_page(page) {
                let frame =
                    x86_64::structures::paging::PhysFrame::containing_address(x86_64::PhysAddr::new(phys));
                let _ = super::frame::free(frame);
            }
            page += 4096;
        }
        SLOTS.lock().free.push(self.slot);
    }
}
