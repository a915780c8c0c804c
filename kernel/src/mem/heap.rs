//! The kernel heap: a `linked_list_allocator` heap over frames mapped at
//! `layout::HEAP_BASE`. It starts at [`initial_size`] bytes and grows from
//! free frames, in steps of at least [`GROW_STEP`], when an allocation does
//! not fit, up to [`limit`] bytes; past that an allocation fails (null,
//! which `try_reserve` and friends turn into an error and infallible
//! allocations into a panic, so every path a user drives allocates
//! fallibly). It never shrinks: freed memory is reused by later
//! allocations. See docs/decisions.md ("Kernel heap: grows up to a limit").
//!
//! Growth maps frames with `paging::map_fresh`, which takes the frame
//! allocator's and the kernel page tables' locks; neither is ever held
//! while the heap is used, so growing under the heap's own lock cannot
//! deadlock. The heap area lies inside one top-level page-table entry made
//! at boot, which every address space shares, so pages added later are
//! seen by all of them.

use core::alloc::{GlobalAlloc, Layout};
use core::ptr::NonNull;
use core::sync::atomic::{AtomicUsize, Ordering};
use linked_list_allocator::Heap;
use spin::Mutex;

use super::layout::HEAP_BASE;
use super::paging::{self, MapError};

const MIN_HEAP: u64 = 1 << 20;
const MAX_INITIAL_HEAP: u64 = 32 << 20;
const MIN_LIMIT: u64 = 4 << 20;
const MAX_LIMIT: u64 = 1 << 30;
/// Least bytes one growth maps (fewer, larger steps keep the page-table
/// work and the number of holes down).
pub const GROW_STEP: u64 = 256 << 10;

struct State {
    heap: Heap,
    /// Bytes mapped from `HEAP_BASE`.
    mapped: u64,
    /// Most bytes it may map.
    limit: u64,
}

/// The global allocator: the heap behind a lock, grown on demand.
struct GrowingHeap(Mutex<Option<State>>);

#[global_allocator]
static HEAP: GrowingHeap = GrowingHeap(Mutex::new(None));

/// Frames the heap took by growing, with the page tables they needed (its
/// initial size not included).
static GROWN_FRAMES: AtomicUsize = AtomicUsize::new(0);

/// The heap size at boot for `usable_bytes` of RAM: 1/32 of it, between
/// 1 MiB and 32 MiB.
pub fn initial_size(usable_bytes: u64) -> u64 {
    (usable_bytes / 32).clamp(MIN_HEAP, MAX_INITIAL_HEAP).next_multiple_of(4096)
}

/// The most the heap may grow to for `usable_bytes` of RAM: 1/4 of it,
/// between 4 MiB and 1 GiB (never below the initial size).
pub fn limit(usable_bytes: u64) -> u64 {
    (usable_bytes / 4).clamp(MIN_LIMIT, MAX_LIMIT).max(initial_size(usable_bytes)).next_multiple_of(4096)
}

impl State {
    /// Maps at least `needed` more bytes (at most up to the limit) and
    /// gives them to the heap; false if the limit or the frames ran out.
    fn grow(&mut self, needed: u64) -> bool {
        let want = needed.max(GROW_STEP).next_multiple_of(4096);
        let step = want.min(self.limit.saturating_sub(self.mapped));
        if step < needed || step == 0 {
            return false;
        }
        // Counted from the allocator, so the page tables it needed are in.
        let free_before = super::frame::free_count();
        if paging::map_fresh(HEAP_BASE + self.mapped, step, paging::Access::ReadWrite).is_err() {
            return false;
        }
        let taken = free_before.saturating_sub(super::frame::free_count());
        // SAFETY: the `step` bytes right after the heap's current end
        // (`HEAP_BASE + mapped`) were just mapped writable to fresh frames
        // nothing else owns, and stay mapped for the kernel's life.
        unsafe { self.heap.extend(step as usize) };
        self.mapped += step;
        GROWN_FRAMES.fetch_add(taken, Ordering::Relaxed);
        true
    }
}

// SAFETY: allocations come from `linked_list_allocator`, which hands out
// disjoint blocks of the mapped heap that fit the layout; the lock makes
// every use exclusive.
unsafe impl GlobalAlloc for GrowingHeap {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        crate::profile::count(capos_abi::profile::Counter::HeapAllocs);
        let mut guard = self.0.lock();
        let Some(state) = guard.as_mut() else { return core::ptr::null_mut() };
        if let Ok(block) = state.heap.allocate_first_fit(layout) {
            return block.as_ptr();
        }
        // Room for the block at any alignment, plus the allocator's own
        // bookkeeping at the hole's edges.
        let needed = (layout.size() as u64).saturating_add(layout.align() as u64).saturating_add(64);
        if !state.grow(needed) {
            return core::ptr::null_mut();
        }
        state.heap.allocate_first_fit(layout).map_or(core::ptr::null_mut(), NonNull::as_ptr)
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if let (Some(state), Some(ptr)) = (self.0.lock().as_mut(), NonNull::new(ptr)) {
            // SAFETY: the caller passes a block `alloc` returned with this
            // layout (GlobalAlloc's contract).
            unsafe { state.heap.deallocate(ptr, layout) };
        }
    }
}

/// Maps `size` bytes at `HEAP_BASE`, hands them to the allocator, and lets
/// the heap grow up to `limit` bytes.
pub fn init(size: u64, limit: u64) -> Result<(), MapError> {
    paging::map_fresh(HEAP_BASE, size, paging::Access::ReadWrite)?;
    let mut heap = Heap::empty();
    // SAFETY: `HEAP_BASE..HEAP_BASE+size` was just mapped writable to
    // frames owned by nothing else, and is used by nothing but the heap.
    unsafe { heap.init(HEAP_BASE as *mut u8, size as usize) };
    *HEAP.0.lock() = Some(State { heap, mapped: size, limit: limit.max(size) });
    Ok(())
}

/// Whether the heap is set up (allocations before [`init`] fail).
pub fn is_ready() -> bool {
    HEAP.0.lock().is_some()
}

/// Bytes in use and bytes free in the heap as mapped now.
pub fn usage() -> (usize, usize) {
    HEAP.0.lock().as_ref().map_or((0, 0), |s| (s.heap.used(), s.heap.free()))
}

/// Bytes mapped now and the most it may grow to.
pub fn size_and_limit() -> (u64, u64) {
    HEAP.0.lock().as_ref().map_or((0, 0), |s| (s.mapped, s.limit))
}

/// Frames the heap has taken by growing since boot (they stay the heap's).
pub fn grown_frames() -> usize {
    GROWN_FRAMES.load(Ordering::Relaxed)
}

/// Whether `bytes` can be allocated now in one block (growing the heap if
/// it must): a probe before work whose allocations cannot fail one by one
/// (a Cap'n Proto builder's segments). Interrupts are off in the kernel,
/// so nothing else allocates between the probe and the work.
pub fn has_room(bytes: usize) -> bool {
    let Ok(layout) = Layout::from_size_align(bytes.max(1), 8) else { return false };
    // SAFETY: the layout has a non-zero size; a non-null block is freed at
    // once with the same layout.
    unsafe {
        let block = HEAP.alloc(layout);
        if block.is_null() {
            return false;
        }
        HEAP.dealloc(block, layout);
    }
    true
}
