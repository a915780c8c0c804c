//! The kernel heap: a `linked_list_allocator` heap over fresh frames mapped
//! at `layout::HEAP_BASE`. Its size is fixed at boot (1/16 of usable RAM,
//! between 1 MiB and 64 MiB); growing it on demand is left for later.

use linked_list_allocator::LockedHeap;

use super::layout::HEAP_BASE;
use super::paging::{self, MapError};

#[global_allocator]
static HEAP: LockedHeap = LockedHeap::empty();

const MIN_HEAP: u64 = 1 << 20;
const MAX_HEAP: u64 = 64 << 20;

/// The heap size for `usable_bytes` of RAM.
pub fn size_for(usable_bytes: u64) -> u64 {
    (usable_bytes / 16).clamp(MIN_HEAP, MAX_HEAP).next_multiple_of(4096)
}

/// Maps `size` bytes at `HEAP_BASE` and hands them to the allocator.
pub fn init(size: u64) -> Result<(), MapError> {
    paging::map_fresh(HEAP_BASE, size, paging::Access::ReadWrite)?;
    // SAFETY: `HEAP_BASE..HEAP_BASE+size` was just mapped writable to
    // frames owned by nothing else, and is used by nothing but the heap.
    unsafe { HEAP.lock().init(HEAP_BASE as *mut u8, size as usize) };
    Ok(())
}

/// Bytes in use and bytes free in the heap.
pub fn usage() -> (usize, usize) {
    let heap = HEAP.lock();
    (heap.used(), heap.free())
}
