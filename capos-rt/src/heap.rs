//! The userspace heap: a `linked_list_allocator` heap over the initial heap
//! region the kernel maps for every process (its address and size are in
//! the bootstrap CapSet).
//!
//! It grows when the process holds a `VirtualMemory` cap named
//! `virtualMemory`: an allocation that does not fit maps more memory right
//! above the heap's top (`VirtualMemory.map` with that hint) and extends
//! the heap over it, by at least [`MIN_GROWTH`] and at least the heap's
//! current size (so growth is geometric; when the process's memory limit
//! refuses that, by just what is needed), at most up to [`MAX_HEAP`].
//! Growing is a ring call, which allocates too: while it runs, allocations
//! the heap cannot serve come from a small static reserve instead (never
//! freed). Without the cap the heap stays at its initial size.

use core::alloc::{GlobalAlloc, Layout};
use core::ptr::{NonNull, null_mut};
use core::sync::atomic::{AtomicBool, AtomicU32, AtomicUsize, Ordering};

use linked_list_allocator::Heap;
use spin::Mutex;

/// Smallest growth step.
pub const MIN_GROWTH: usize = 1024 * 1024;
/// Largest the heap grows to.
pub const MAX_HEAP: usize = 1 << 30;
/// Bytes of the reserve used while the heap grows.
const RESERVE: usize = 128 * 1024;

struct GrowingHeap {
    heap: Mutex<Heap>,
}

#[global_allocator]
static HEAP: GrowingHeap = GrowingHeap { heap: Mutex::new(Heap::empty()) };

/// The `VirtualMemory` cap id used to grow, or `u32::MAX` for none.
static GROWER: AtomicU32 = AtomicU32::new(u32::MAX);
/// Set while a growth call is in progress.
static GROWING: AtomicBool = AtomicBool::new(false);

/// The reserve: a bump arena.
struct Reserve(core::cell::UnsafeCell<[u8; RESERVE]>);
// SAFETY: bytes of the arena are handed out at most once (the bump index
// is atomic), so no two users share any byte.
unsafe impl Sync for Reserve {}
static RESERVE_BYTES: Reserve = Reserve(core::cell::UnsafeCell::new([0; RESERVE]));
static RESERVE_USED: AtomicUsize = AtomicUsize::new(0);

fn reserve_alloc(layout: Layout) -> *mut u8 {
    let base = RESERVE_BYTES.0.get() as usize;
    let mut used = RESERVE_USED.load(Ordering::Relaxed);
    loop {
        let start = (base + used).next_multiple_of(layout.align()) - base;
        let Some(end) = start.checked_add(layout.size()).filter(|&e| e <= RESERVE) else {
            return null_mut();
        };
        match RESERVE_USED.compare_exchange(used, end, Ordering::Relaxed, Ordering::Relaxed) {
            Ok(_) => return (base + start) as *mut u8,
            Err(now) => used = now,
        }
    }
}

fn in_reserve(ptr: *mut u8) -> bool {
    let base = RESERVE_BYTES.0.get() as usize;
    (base..base + RESERVE).contains(&(ptr as usize))
}

/// Maps at least `needed` more bytes above the heap and extends it.
fn grow(needed: usize) -> bool {
    let grower = GROWER.load(Ordering::Relaxed);
    if grower == u32::MAX || GROWING.swap(true, Ordering::Acquire) {
        return false;
    }
    let (top, size) = {
        let heap = HEAP.heap.lock();
        (heap.top() as u64, heap.size())
    };
    // Double the heap if that is allowed; else (the process's memory limit
    // is near) take just what is needed.
    let smallest = needed.saturating_add(4096).max(MIN_GROWTH).next_multiple_of(4096);
    let map = |step: usize| {
        size.saturating_add(step) <= MAX_HEAP
            && crate::handle::Borrowed::<crate::client::VirtualMemory>::from_id(grower)
                .map(step as u64, capos_schema::MapRights::ReadWrite, top)
                .is_ok_and(|address| address == top)
    };
    let doubled = smallest.max(size).next_multiple_of(4096);
    let step = if map(doubled) {
        Some(doubled)
    } else if doubled > smallest && map(smallest) {
        Some(smallest)
    } else {
        None
    };
    let ok = step.is_some();
    if let Some(step) = step {
        // SAFETY: `step` bytes right above the heap's top were just mapped
        // writable for this process and nothing else uses them.
        unsafe { HEAP.heap.lock().extend(step) };
    }
    GROWING.store(false, Ordering::Release);
    ok
}

// SAFETY: allocation goes to a `linked_list_allocator::Heap` behind a lock
// (sound by that crate's contract) or to the never-reused reserve; each
// pointer is freed where it came from.
unsafe impl GlobalAlloc for GrowingHeap {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        loop {
            if let Ok(ptr) = self.heap.lock().allocate_first_fit(layout) {
                return ptr.as_ptr();
            }
            if GROWING.load(Ordering::Acquire) {
                return reserve_alloc(layout);
            }
            if !grow(layout.size().saturating_add(layout.align())) {
                return null_mut();
            }
        }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if in_reserve(ptr) {
            return;
        }
        if let Some(ptr) = NonNull::new(ptr) {
            // SAFETY: `ptr` came from this heap with this layout (the
            // GlobalAlloc contract).
            unsafe { self.heap.lock().deallocate(ptr, layout) };
        }
    }
}

/// In a forked child: releases the heap's lock and growth flag if another
/// thread of the parent held them at the fork (it does not exist here).
pub(crate) fn unlock_after_fork() {
    if HEAP.heap.is_locked() {
        // SAFETY: only the calling thread exists in the child.
        unsafe { HEAP.heap.force_unlock() };
    }
    GROWING.store(false, Ordering::Release);
}

/// Hands the initial heap region to the allocator.
///
/// # Safety
/// `addr..addr+size` must be mapped writable memory used by nothing else;
/// call once.
pub unsafe fn init(addr: u64, size: u64) {
    // SAFETY: forwarded from the caller.
    unsafe { HEAP.heap.lock().init(addr as *mut u8, size as usize) };
}

/// Lets the heap grow through the `VirtualMemory` cap `id` (the runtime
/// calls this at start when the process has a `virtualMemory` cap).
pub fn enable_growth(id: u32) {
    GROWER.store(id, Ordering::Relaxed);
}
