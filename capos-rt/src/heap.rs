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
//!
//! In front of the free list are bins (`capos_lib::size_class`): a request
//! of at most 64 KiB and 16-byte alignment gets a block of its
//! power-of-two class, and a freed block of a class goes on that class's
//! list (up to its limit; the rest back to the heap), so the next request
//! of the class takes it without a first-fit search. A call's buffers,
//! messages and strings are such blocks, allocated and freed on every
//! call (docs/performance.md, "Fifth step").

use core::alloc::{GlobalAlloc, Layout};
use core::ptr::{NonNull, null_mut};
use core::sync::atomic::{AtomicBool, AtomicU32, AtomicUsize, Ordering};

use capos_lib::size_class::{self, CLASSES};
use linked_list_allocator::Heap;
use spin::Mutex;

/// Smallest growth step.
pub const MIN_GROWTH: usize = 1024 * 1024;
/// Largest the heap grows to.
pub const MAX_HEAP: usize = 1 << 30;
/// Bytes of the reserve used while the heap grows.
const RESERVE: usize = 128 * 1024;

struct GrowingHeap {
    heap: Mutex<State>,
}

/// The free list and the bins, under one lock.
struct State {
    list: Heap,
    bins: Bins,
}

/// A free block on a bin's list; its first word links to the next.
struct Free {
    next: *mut Free,
}

/// Per size class, a list of free blocks of that class and its length.
struct Bins {
    heads: [*mut Free; CLASSES],
    counts: [usize; CLASSES],
}

// SAFETY: the bins' pointers are blocks of this process's heap that no one
// else uses while they are on a list; they are only touched under the
// heap's lock.
unsafe impl Send for State {}

impl Bins {
    /// A block of `class` from its list.
    fn pop(&mut self, class: usize) -> Option<*mut u8> {
        let head = self.heads[class];
        if head.is_null() {
            return None;
        }
        // SAFETY: a block on the list is free, of the class's size (at
        // least a word) and holds the link written by `push`.
        self.heads[class] = unsafe { (*head).next };
        self.counts[class] -= 1;
        Some(head.cast())
    }

    /// Keeps `ptr`, a free block of `class`, unless the class holds its
    /// limit already (then `false`: it goes back to the free list).
    ///
    /// # Safety
    /// `ptr` must be a block of `class` from this heap that nothing uses.
    unsafe fn push(&mut self, class: usize, ptr: *mut u8) -> bool {
        if self.counts[class] >= size_class::limit(class) {
            return false;
        }
        let block = ptr.cast::<Free>();
        // SAFETY: the caller gives a free block of at least 16 bytes
        // aligned to 16.
        unsafe { block.write(Free { next: self.heads[class] }) };
        self.heads[class] = block;
        self.counts[class] += 1;
        true
    }
}

impl State {
    /// Gives every block the bins keep back to the free list; `false` if
    /// they kept none.
    fn drain_bins(&mut self) -> bool {
        let mut any = false;
        for class in 0..CLASSES {
            while let Some(ptr) = self.bins.pop(class) {
                any = true;
                if let Some(ptr) = NonNull::new(ptr) {
                    // SAFETY: a block on a bin came from the free list with
                    // its class's layout and is unused.
                    unsafe { self.list.deallocate(ptr, class_layout(class)) };
                }
            }
        }
        any
    }
}

#[global_allocator]
static HEAP: GrowingHeap = GrowingHeap {
    heap: Mutex::new(State {
        list: Heap::empty(),
        bins: Bins { heads: [null_mut(); CLASSES], counts: [0; CLASSES] },
    }),
};

/// The layout a block of `class` has in the free list.
fn class_layout(class: usize) -> Layout {
    // A power of two of at most 64 KiB with a power-of-two alignment.
    Layout::from_size_align(size_class::class_size(class), size_class::ALIGN)
        .expect("a class is a valid layout")
}

/// The class of `layout`, if the bins serve it.
fn class_of(layout: Layout) -> Option<usize> {
    size_class::class_of(layout.size(), layout.align())
}

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
        (heap.list.top() as u64, heap.list.size())
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
        unsafe { HEAP.heap.lock().list.extend(step) };
    }
    GROWING.store(false, Ordering::Release);
    ok
}

// SAFETY: allocation goes to a `linked_list_allocator::Heap` behind a lock
// (sound by that crate's contract), to a bin of blocks that heap gave out
// (each block on one list at a time, of the class's size and alignment,
// which covers the request), or to the never-reused reserve; each
// pointer is freed where it came from.
unsafe impl GlobalAlloc for GrowingHeap {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let class = class_of(layout);
        let layout = class.map_or(layout, class_layout);
        loop {
            {
                let mut heap = self.heap.lock();
                if let Some(ptr) = class.and_then(|class| heap.bins.pop(class)) {
                    return ptr;
                }
                if let Ok(ptr) = heap.list.allocate_first_fit(layout) {
                    return ptr.as_ptr();
                }
                // Before growing: the bins' blocks back to the free list
                // (where they may merge into a block that fits).
                if heap.drain_bins() {
                    continue;
                }
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
        let Some(ptr) = NonNull::new(ptr) else {
            return;
        };
        let mut heap = self.heap.lock();
        let layout = match class_of(layout) {
            Some(class) => {
                // SAFETY: `ptr` came from `alloc` with this layout, so it is
                // a block of `class` (from its bin or the free list with
                // `class_layout`), now unused (the GlobalAlloc contract).
                if unsafe { heap.bins.push(class, ptr.as_ptr()) } {
                    return;
                }
                class_layout(class)
            }
            None => layout,
        };
        // SAFETY: `ptr` came from the free list with this layout.
        unsafe { heap.list.deallocate(ptr, layout) };
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // A block of a class holds any size of that class: a string or
        // vector growing within it keeps its block.
        let class = class_of(layout);
        if class.is_some() && class == size_class::class_of(new_size, layout.align()) {
            return ptr;
        }
        let Ok(new_layout) = Layout::from_size_align(new_size, layout.align()) else {
            return null_mut();
        };
        // SAFETY: the GlobalAlloc contract: `new_layout` has a non-zero size
        // (`new_size` is not zero) and a valid alignment.
        let new = unsafe { self.alloc(new_layout) };
        if !new.is_null() {
            // SAFETY: both blocks are valid for the smaller size and do not
            // overlap (`new` was just allocated); `ptr` came from here with
            // `layout`.
            unsafe {
                core::ptr::copy_nonoverlapping(ptr, new, layout.size().min(new_size));
                self.dealloc(ptr, layout);
            }
        }
        new
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
    unsafe { HEAP.heap.lock().list.init(addr as *mut u8, size as usize) };
}

/// Lets the heap grow through the `VirtualMemory` cap `id` (the runtime
/// calls this at start when the process has a `virtualMemory` cap).
pub fn enable_growth(id: u32) {
    GROWER.store(id, Ordering::Relaxed);
}
