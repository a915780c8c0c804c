//! The userspace heap: a `linked_list_allocator` heap over the initial heap
//! region the kernel maps for every process (its address and size are in
//! the bootstrap CapSet). It does not grow yet.

use linked_list_allocator::LockedHeap;

#[global_allocator]
static HEAP: LockedHeap = LockedHeap::empty();

/// Hands the initial heap region to the allocator.
///
/// # Safety
/// `addr..addr+size` must be mapped writable memory used by nothing else;
/// call once.
pub unsafe fn init(addr: u64, size: u64) {
    // SAFETY: forwarded from the caller.
    unsafe { HEAP.lock().init(addr as *mut u8, size as usize) };
}
