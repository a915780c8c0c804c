//! User address spaces: one per process, with its own top-level page table
//! whose upper half is a copy of the kernel's (the 256 kernel entries are
//! created at boot and never change, so the copy stays valid).
//!
//! The lower half is the process's: ELF segments, stack, ring, bootstrap
//! region, heap and anonymous mappings. Every user page is mapped
//! `USER_ACCESSIBLE`, never `GLOBAL`, and never writable and executable at
//! once. Frames mapped here are owned by the address space and freed with
//! it, unless the mapping borrows them (a page-table bit marks those).
//!
//! Copy-on-write: [`AddressSpace::duplicate`] (for `fork`) maps the parent's
//! owned frames into the child instead of copying them, each frame getting
//! one more owner in `mem::frame`'s share table; a writable page becomes
//! read-only in both with the `COPY_ON_WRITE` page-table bit. The first
//! write to it, by the process (a page fault,
//! [`AddressSpace::resolve_write_fault`]) or by the kernel
//! ([`AddressSpace::copy_to_user`]), gives this address space a frame of
//! its own: the same frame made writable again if no one else owns it any
//! more, else a copy. Each address space counts every frame it maps in its
//! quota, shared or not, so breaking a share (one frame in, one share out)
//! never needs quota; only the frame allocator can run dry. A frame goes
//! back to the allocator with its last owner.
//!
//! Quotas: an address space takes its frames from a [`FramePool`] (the
//! process's memory limit). A spawned process has a pool of its own,
//! carved out of its spawner's; a forked copy takes from its parent's pool
//! (so does the image `exec` builds), so a process and every process it
//! forks share one limit, however deep the forks go, and a fork bomb ends
//! at that limit.
//!
//! The kernel never touches user memory through user addresses: the copy
//! functions walk this address space's page tables, check the user and
//! write bits of every page, and copy through the physical-memory window.
//! So they work whatever address space is active, SMAP stays on, and a
//! user buffer is read exactly once (no double fetch).

use alloc::sync::Arc;
use core::mem::MaybeUninit;
use core::sync::atomic::{AtomicUsize, Ordering};
use x86_64::registers::control::{Cr3, Cr3Flags};
use x86_64::structures::paging::mapper::{MappedFrame, TranslateResult, UnmapError};
use x86_64::structures::paging::page_table::PageTableEntry;
use x86_64::structures::paging::{
    FrameAllocator, Mapper, OffsetPageTable, Page, PageTable, PageTableFlags as Flags, PhysFrame, Size4KiB,
    Translate,
};
use x86_64::{PhysAddr, VirtAddr};

use capos_abi::layout::{STACK_RESERVE, STACK_TOP};

use super::frame;
use super::layout::{self, PHYS_WINDOW_BASE};
use super::paging::MapError;

const PAGE: u64 = 4096;
/// First address above the user half.
pub const USER_END: u64 = 0x0000_8000_0000_0000;
/// Lowest address a user mapping may use (page 0.. stay unmapped).
pub const USER_START: u64 = 0x1_0000;
/// Page-table bit (one of the "available" bits) marking a mapping whose
/// frame the address space does not own.
const BORROWED: Flags = Flags::BIT_9;
/// Page-table bit (another "available" bit) marking a page the process may
/// write but that is mapped read-only because its frame is, or was, shared
/// with another address space: the first write gets a frame of its own.
/// Never set with `WRITABLE` or `BORROWED`.
const COPY_ON_WRITE: Flags = Flags::BIT_10;
/// The bits of a page-table entry that hold the frame's (or next table's)
/// physical address (`PageTableEntry::addr`'s mask).
const ENTRY_ADDRESS: u64 = 0x000f_ffff_ffff_f000;

/// What a user mapping allows besides reading.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserAccess {
    /// Read only.
    Read,
    /// Read and write.
    ReadWrite,
    /// Read and execute.
    ReadExecute,
}

impl UserAccess {
    fn flags(self) -> Flags {
        let base = Flags::PRESENT | Flags::USER_ACCESSIBLE;
        match self {
            Self::Read => base | Flags::NO_EXECUTE,
            Self::ReadWrite => base | Flags::WRITABLE | Flags::NO_EXECUTE,
            Self::ReadExecute => base,
        }
    }
}

struct Frames<'a> {
    quota: &'a mut FrameQuota,
}

/// The frames address spaces may take together: a process's memory
/// limit, shared by the process, its forked copies and their `exec`
/// images.
pub struct FramePool {
    /// Frames the address spaces of the pool hold.
    used: AtomicUsize,
    /// Most frames they may hold.
    limit: AtomicUsize,
    /// What must live as long as some address space takes from the pool
    /// (the carve its limit came from, once the process it was carved for
    /// has ended and left forked processes on it).
    kept: spin::Mutex<Option<alloc::boxed::Box<dyn core::any::Any + Send>>>,
}

impl core::fmt::Debug for FramePool {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("FramePool").field("used", &self.used).field("limit", &self.limit).finish()
    }
}

impl FramePool {
    fn new(limit: usize) -> Result<Arc<Self>, MapError> {
        Arc::try_new(Self {
            used: AtomicUsize::new(0),
            limit: AtomicUsize::new(limit),
            kept: spin::Mutex::new(None),
        })
        .map_err(|_| MapError::OutOfFrames)
    }

    /// Keeps `thing` until no address space takes from this pool any more
    /// (it is dropped with the pool, when the last such space goes);
    /// `Err` gives it back when the kernel heap has no room for it.
    pub fn keep_until_unused<T: Send + 'static>(&self, thing: T) -> Result<(), T> {
        let mut kept = self.kept.lock();
        if kept.is_some() {
            return Err(thing);
        }
        // `Box::try_new` would lose `thing` on failure: probe, then box.
        if !crate::mem::heap::has_room(core::mem::size_of::<T>().max(1)) {
            return Err(thing);
        }
        *kept = Some(alloc::boxed::Box::new(thing));
        Ok(())
    }

    /// Counts one more frame; `false` at the limit.
    fn take(&self) -> bool {
        self.used
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |used| {
                (used < self.limit.load(Ordering::Acquire)).then_some(used + 1)
            })
            .is_ok()
    }

    fn release(&self, frames: usize) {
        let _ = self
            .used
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |used| Some(used.saturating_sub(frames)));
    }

    fn left(&self) -> usize {
        self.limit.load(Ordering::Acquire).saturating_sub(self.used.load(Ordering::Acquire))
    }
}

/// An address space's frames: how many it holds, and the pool they count
/// in.
#[derive(Debug)]
pub struct FrameQuota {
    /// Frames this address space holds (pages and page tables).
    own: usize,
    /// The pool they are taken from.
    pool: Arc<FramePool>,
}

impl FrameQuota {
    /// Counts one more frame for this space; `false` at the pool's limit.
    fn take(&mut self) -> bool {
        let ok = self.pool.take();
        self.own += usize::from(ok);
        ok
    }

    /// Counts one frame less.
    fn release(&mut self) {
        if self.own > 0 {
            self.own -= 1;
            self.pool.release(1);
        }
    }
}

// SAFETY: hands out frames from `frame::alloc_zeroed`, which returns each
// free frame once; the quota only refuses.
unsafe impl FrameAllocator<Size4KiB> for Frames<'_> {
    fn allocate_frame(&mut self) -> Option<PhysFrame<Size4KiB>> {
        if !self.quota.take() {
            return None;
        }
        let f = frame::alloc_zeroed();
        if f.is_none() {
            self.quota.release();
        }
        f
    }
}

/// A process's address space.
pub struct AddressSpace {
    root: PhysFrame,
    quota: FrameQuota,
}

/// Where a user address maps to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UserTranslation {
    /// Physical address.
    pub phys: u64,
    /// The page is writable.
    pub writable: bool,
    /// The page is executable.
    pub executable: bool,
    /// The page is writable once its share is broken (copy-on-write).
    pub copy_on_write: bool,
}

/// Why the kernel could not write into user memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserWriteError {
    /// A byte of the range is not writable user memory.
    BadAddress,
    /// A copy-on-write page needed a frame of its own and none is free.
    OutOfFrames,
}

/// A range of user memory checked writable ([`AddressSpace::writable_slot`]):
/// it borrows the address space, so no mapping changes before the write.
pub struct UserSlot<'a> {
    phys: u64,
    len: usize,
    _space: core::marker::PhantomData<&'a mut AddressSpace>,
}

impl UserSlot<'_> {
    /// Bytes the slot holds.
    pub fn capacity(&self) -> usize {
        self.len
    }

    /// Writes `words` (their little-endian bytes) at the start of the
    /// slot, a word at a time; `false` (nothing written) if they are longer
    /// than the slot.
    pub fn write_words(self, words: &[u64]) -> bool {
        if words.len() * 8 > self.len {
            return false;
        }
        crate::profile::count(capos_abi::profile::Counter::UserCopies);
        crate::profile::add(capos_abi::profile::Counter::UserCopyBytes, words.len() as u64 * 8);
        let at = layout::phys_to_virt(self.phys) as *mut u64;
        for (i, word) in words.iter().enumerate() {
            // SAFETY: `phys..phys+len` lies in one writable page the
            // address space owns alone (checked by `writable_slot`), mapped
            // by the window; the borrow the slot holds kept the tables
            // unchanged since; word `i` ends within `len` (checked above);
            // the user's buffer need not be aligned, hence the unaligned
            // write.
            unsafe { at.add(i).write_unaligned(word.to_le()) };
        }
        true
    }
}

impl From<UserWriteError> for capos_abi::error::CapError {
    fn from(e: UserWriteError) -> Self {
        match e {
            UserWriteError::BadAddress => Self::BadAddress,
            UserWriteError::OutOfFrames => Self::OutOfMemory,
        }
    }
}

fn user_range_ok(addr: u64, len: u64) -> bool {
    addr >= USER_START && addr.checked_add(len).is_some_and(|end| end <= USER_END)
}

impl AddressSpace {
    /// A new, empty address space allowed `frame_limit` frames.
    pub fn new(frame_limit: usize) -> Result<Self, MapError> {
        let root = frame::alloc_zeroed().ok_or(MapError::OutOfFrames)?;
        let kernel = super::paging::kernel_root();
        // SAFETY: both frames are page tables reached through the window;
        // `root` is fresh and ours, the kernel table is only read.
        unsafe {
            let src = &*(layout::phys_to_virt(kernel.start_address().as_u64()) as *const PageTable);
            let dst = &mut *(layout::phys_to_virt(root.start_address().as_u64()) as *mut PageTable);
            for i in 256..512 {
                dst[i] = src[i].clone();
            }
        }
        let pool = match FramePool::new(frame_limit.max(1)) {
            Ok(pool) => pool,
            Err(e) => {
                let _ = frame::free(root);
                return Err(e);
            }
        };
        pool.used.store(1, Ordering::Release);
        Ok(Self { root, quota: FrameQuota { own: 1, pool } })
    }

    /// An empty address space taking its frames from `pool` (a forked
    /// copy's, or the image `exec` builds).
    fn new_in(pool: &Arc<FramePool>) -> Result<Self, MapError> {
        let mut space = Self::new(1)?;
        // The root frame moves from the throwaway pool to `pool`.
        if !pool.take() {
            return Err(MapError::QuotaExceeded);
        }
        space.quota.pool = pool.clone();
        Ok(space)
    }

    /// An empty address space sharing this one's pool (the image `exec`
    /// builds: until the old image goes, both count).
    pub fn new_sharing(&self) -> Result<Self, MapError> {
        Self::new_in(&self.quota.pool)
    }

    /// The pool its frames count in.
    pub fn pool(&self) -> &Arc<FramePool> {
        &self.quota.pool
    }

    /// Frames it holds now (pages and page tables).
    pub fn frames_used(&self) -> usize {
        self.quota.own
    }

    /// Frames this address space may still take (what its pool has left).
    pub fn frames_left(&self) -> usize {
        self.quota.pool.left()
    }

    /// Takes `frames` out of the pool's limit for good (a spawned child's
    /// memory limit is carved out of its spawner's); `false`, changing
    /// nothing, if fewer are left.
    pub fn carve(&mut self, frames: usize) -> bool {
        let pool = &self.quota.pool;
        pool.limit
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |limit| {
                (limit.saturating_sub(pool.used.load(Ordering::Acquire)) >= frames).then(|| limit - frames)
            })
            .is_ok()
    }

    /// Gives back frames [`carve`](Self::carve) took.
    pub fn give_back(&mut self, frames: usize) {
        let _ = self
            .quota
            .pool
            .limit
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |l| Some(l.saturating_add(frames)));
    }

    fn table(&self) -> OffsetPageTable<'static> {
        let virt = layout::phys_to_virt(self.root.start_address().as_u64()) as *mut PageTable;
        // SAFETY: `root` is this address space's top-level table, alive as
        // long as `self`; the window maps every page-table frame at a fixed
        // offset. Callers hold `&self`/`&mut self`, and the returned mapper
        // never outlives the call that made it.
        unsafe { OffsetPageTable::new(&mut *virt, VirtAddr::new(PHYS_WINDOW_BASE)) }
    }

    /// Makes this the active address space.
    pub fn activate(&self) {
        crate::profile::count(capos_abi::profile::Counter::Cr3Writes);
        // SAFETY: the upper half equals the kernel's, so kernel code, data
        // and stacks stay mapped; the lower half is this process's.
        unsafe { Cr3::write(self.root, Cr3Flags::empty()) };
    }

    /// The most frames its pool may hold.
    pub fn frame_limit(&self) -> usize {
        self.quota.pool.limit.load(Ordering::Acquire)
    }

    /// Whether this address space is the one in CR3.
    pub fn is_active(&self) -> bool {
        Cr3::read().0 == self.root
    }

    fn map_frame(&mut self, virt: u64, phys: u64, flags: Flags) -> Result<(), MapError> {
        if !virt.is_multiple_of(PAGE) || !phys.is_multiple_of(PAGE) {
            return Err(MapError::Unaligned(virt | phys));
        }
        if !user_range_ok(virt, PAGE) {
            return Err(MapError::NotUser(virt));
        }
        let page = Page::<Size4KiB>::containing_address(VirtAddr::new(virt));
        let frame = PhysFrame::containing_address(PhysAddr::new(phys));
        let mut table = self.table();
        let mut frames = Frames { quota: &mut self.quota };
        // Intermediate tables allow everything a user page may be given;
        // the leaf entry alone decides (so `protect` of the leaf is enough
        // to make a read-only page writable).
        let parents = Flags::PRESENT | Flags::WRITABLE | Flags::USER_ACCESSIBLE;
        // SAFETY: a user-half mapping of a frame the caller hands over (or
        // lends, with BORROWED); it cannot alias kernel memory because the
        // virtual address is checked to be in the user half.
        match unsafe { table.map_to_with_table_flags(page, frame, flags, parents, &mut frames) } {
            Ok(flush) => {
                flush.flush();
                Ok(())
            }
            Err(x86_64::structures::paging::mapper::MapToError::FrameAllocationFailed) => {
                Err(MapError::OutOfFrames)
            }
            Err(x86_64::structures::paging::mapper::MapToError::PageAlreadyMapped(_)) => {
                Err(MapError::AlreadyMapped(virt))
            }
            Err(x86_64::structures::paging::mapper::MapToError::ParentEntryHugePage) => {
                Err(MapError::InsideHugePage(virt))
            }
        }
    }

    /// Maps `size` bytes at `virt` to fresh zeroed frames charged to the
    /// quota. All or nothing: on failure nothing stays mapped.
    pub fn map_fresh(&mut self, virt: u64, size: u64, access: UserAccess) -> Result<(), MapError> {
        if !virt.is_multiple_of(PAGE) || !size.is_multiple_of(PAGE) {
            return Err(MapError::Unaligned(virt));
        }
        if !user_range_ok(virt, size) {
            return Err(MapError::NotUser(virt));
        }
        // More pages than the quota has left cannot fit (their tables
        // would take more still): refuse before taking and zeroing frames.
        if size / PAGE > self.frames_left() as u64 {
            return Err(MapError::QuotaExceeded);
        }
        let mut done = 0;
        while done < size {
            let result = if !self.quota.take() {
                Err(MapError::QuotaExceeded)
            } else {
                match frame::alloc_zeroed() {
                    None => {
                        self.quota.release();
                        Err(MapError::OutOfFrames)
                    }
                    Some(f) => {
                        let phys = f.start_address().as_u64();
                        self.map_frame(virt + done, phys, access.flags()).inspect_err(|_| {
                            self.quota.release();
                            let _ = frame::free(f);
                        })
                    }
                }
            };
            if let Err(e) = result {
                self.unmap_range(virt, done);
                return Err(e);
            }
            done += PAGE;
        }
        Ok(())
    }

    /// Maps `frames` (one per page, from `virt` on) with `access`, which
    /// must not be writable, as frames this address space owns a share of
    /// (as a copy-on-write `fork` shares them: each gets one more owner and
    /// counts in the quota; [`Self::protect`] makes them copy-on-write if
    /// they become writable). For the kernel's cache of program segments
    /// (`mem::image_cache`). All or nothing: on failure nothing stays
    /// mapped.
    pub fn map_shared(
        &mut self,
        virt: u64,
        frames: &[PhysFrame],
        access: UserAccess,
    ) -> Result<(), MapError> {
        if access == UserAccess::ReadWrite {
            return Err(MapError::NotUser(virt));
        }
        let size = frames.len() as u64 * PAGE;
        if !virt.is_multiple_of(PAGE) {
            return Err(MapError::Unaligned(virt));
        }
        if !user_range_ok(virt, size) {
            return Err(MapError::NotUser(virt));
        }
        if frames.len() > self.frames_left() {
            return Err(MapError::QuotaExceeded);
        }
        for (i, &frame) in frames.iter().enumerate() {
            let at = virt + i as u64 * PAGE;
            let result = if !self.quota.take() {
                Err(MapError::QuotaExceeded)
            } else if !frame::share(frame) {
                self.quota.release();
                Err(MapError::OutOfFrames)
            } else {
                self.map_frame(at, frame.start_address().as_u64(), access.flags()).inspect_err(|_| {
                    self.quota.release();
                    let _ = frame::free(frame);
                })
            };
            if let Err(e) = result {
                self.unmap_range(virt, at - virt);
                return Err(e);
            }
        }
        Ok(())
    }

    /// The frame the user page at `virt` maps, if it is one this address
    /// space owns (not borrowed) and maps as a 4 KiB page.
    pub fn owned_frame(&self, virt: u64) -> Option<PhysFrame> {
        if !user_range_ok(virt, PAGE) {
            return None;
        }
        match self.table().translate(VirtAddr::new(virt)) {
            TranslateResult::Mapped { frame: MappedFrame::Size4KiB(f), flags, .. }
                if flags.contains(Flags::USER_ACCESSIBLE) && !flags.contains(BORROWED) =>
            {
                Some(f)
            }
            _ => None,
        }
    }

    /// A copy of this address space for a forked process, taking its frames
    /// from this one's pool: every user page outside `skip` (`(start, end)`
    /// ranges) at the same address with the same access. A page this space
    /// owns is shared, not copied: its frame gets one more owner, it counts
    /// in the copy's quota as in this one's, and a writable page becomes
    /// copy-on-write in both (so `self` changes too). A borrowed page (a
    /// mapped memory object) is borrowed again, shared as before. The walk
    /// costs what is mapped. On failure the copy is dropped, giving back
    /// what it shared; pages of `self` already made copy-on-write stay so
    /// (their next write finds the frame unshared and just makes it
    /// writable again).
    pub fn duplicate(&mut self, skip: &[(u64, u64)]) -> Result<AddressSpace, MapError> {
        let mut child = AddressSpace::new_in(&self.quota.pool)?;
        let shared = self.share_into(&mut child, skip);
        // Pages of `self` made read-only must not stay writable in the TLB
        // (one reload instead of a flush per page; user pages are never
        // global).
        if self.is_active() {
            self.activate();
        }
        shared.map(|()| child)
    }

    /// The work of [`Self::duplicate`]: one last-level table of `self` at a
    /// time, the child's entries written straight into its table once the
    /// first page of the 2 MiB region has created it.
    fn share_into(&mut self, child: &mut AddressSpace, skip: &[(u64, u64)]) -> Result<(), MapError> {
        const REGION: u64 = 512 * PAGE;
        let mut addr = USER_START;
        while let Some(first) = self.next_mapped(addr, USER_END) {
            let region_end = (first | (REGION - 1)) + 1;
            addr = region_end;
            let Some(table) = self.leaf_table(first) else { continue };
            let mut child_table: Option<*mut PageTable> = None;
            let mut page = first;
            while page < region_end {
                let at = page;
                page += PAGE;
                let index = ((at >> 12) & 511) as usize;
                // SAFETY: `table` is the last-level table of this region in
                // `self`, owned by it and borrowed through `&mut self`;
                // nothing else reaches it during the loop.
                let entry = unsafe { &mut (&mut *table)[index] };
                let flags = entry.flags();
                if !flags.contains(Flags::PRESENT | Flags::USER_ACCESSIBLE)
                    || skip.iter().any(|&(start, end)| (start..end).contains(&at))
                {
                    continue;
                }
                let frame = PhysFrame::<Size4KiB>::containing_address(entry.addr());
                let owned = !flags.contains(BORROWED);
                let shared = if owned && flags.contains(Flags::WRITABLE) {
                    (flags - Flags::WRITABLE) | COPY_ON_WRITE
                } else {
                    flags
                };
                if owned {
                    if !child.quota.take() {
                        return Err(MapError::QuotaExceeded);
                    }
                    if !frame::share(frame) {
                        child.quota.release();
                        return Err(MapError::OutOfFrames);
                    }
                }
                match child_table {
                    // SAFETY: the child's last-level table of this region,
                    // made by `map_frame` below and owned by `child`, which
                    // is not active (no TLB holds its entries).
                    Some(t) => unsafe { (&mut *t)[index].set_addr(frame.start_address(), shared) },
                    None => {
                        if let Err(e) = child.map_frame(at, frame.start_address().as_u64(), shared) {
                            if owned {
                                child.quota.release();
                                let _ = frame::free(frame);
                            }
                            return Err(e);
                        }
                        child_table = child.leaf_table(at);
                    }
                }
                if shared != flags {
                    entry.set_flags(shared);
                }
            }
        }
        Ok(())
    }

    /// The last-level table holding the entry of the 4 KiB user page at
    /// `virt`, if its tables exist (`None` inside a huge page or outside
    /// the user half). Written only under `&mut self`.
    fn leaf_table(&self, virt: u64) -> Option<*mut PageTable> {
        if !user_range_ok(virt, PAGE) {
            return None;
        }
        // Entries read as words (present and not huge: the bits tested
        // together), the next table's address masked out of them.
        const PRESENT: u64 = Flags::PRESENT.bits();
        const PRESENT_OR_HUGE: u64 = PRESENT | Flags::HUGE_PAGE.bits();
        let mut table = self.root.start_address().as_u64();
        for shift in [39, 30, 21] {
            let entries = layout::phys_to_virt(table) as *const u64;
            // SAFETY: `table` is this address space's top-level table or a
            // lower-level table reached through a present, non-huge entry
            // of its lower half; all are frames the address space owns,
            // mapped by the window, and only read here (an index below
            // 512 stays inside the table).
            let entry = unsafe { entries.add(((virt >> shift) & 511) as usize).read() };
            if entry & PRESENT_OR_HUGE != PRESENT {
                return None;
            }
            table = entry & ENTRY_ADDRESS;
        }
        Some(layout::phys_to_virt(table) as *mut PageTable)
    }

    /// The last-level entry mapping the 4 KiB user page at `virt`, if its
    /// tables exist.
    fn leaf_entry(&mut self, virt: u64) -> Option<&mut PageTableEntry> {
        let table = self.leaf_table(virt)?;
        // SAFETY: a last-level table of this address space
        // ([`Self::leaf_table`]), borrowed through `&mut self`, so this is
        // the only access while the returned borrow lives.
        Some(unsafe { &mut (&mut *table)[((virt >> 12) & 511) as usize] })
    }

    /// Gives the copy-on-write page at `page` a frame of this address
    /// space's own, writable: the same frame if no other address space
    /// owns it any more, else a copy (the share is dropped). The quota
    /// does not change (the frame was counted here already). Fails only
    /// when no frame is free, changing nothing; `NotMapped` if the page is
    /// not copy-on-write.
    fn break_share(&mut self, page: u64) -> Result<(), MapError> {
        let entry = self.leaf_entry(page).ok_or(MapError::NotMapped(page))?;
        let flags = entry.flags();
        if !flags.contains(Flags::PRESENT | Flags::USER_ACCESSIBLE | COPY_ON_WRITE)
            || flags.contains(BORROWED)
        {
            return Err(MapError::NotMapped(page));
        }
        let writable = (flags - COPY_ON_WRITE) | Flags::WRITABLE;
        let old = PhysFrame::<Size4KiB>::containing_address(entry.addr());
        if frame::is_shared(old) {
            let copy = frame::alloc_zeroed().ok_or(MapError::OutOfFrames)?;
            // SAFETY: both frames are reached through the kernel's window
            // onto physical memory; `old` is mapped by this space and
            // `copy` was just allocated for it alone, so the two 4 KiB
            // ranges are distinct and valid.
            unsafe {
                core::ptr::copy_nonoverlapping(
                    layout::phys_to_virt(old.start_address().as_u64()) as *const u8,
                    layout::phys_to_virt(copy.start_address().as_u64()) as *mut u8,
                    PAGE as usize,
                );
            }
            entry.set_addr(copy.start_address(), writable);
            crate::profile::count(capos_abi::profile::Counter::CowCopies);
            // This space's share of the old frame (not the last one).
            let _ = frame::free(old);
        } else {
            entry.set_flags(writable);
        }
        x86_64::instructions::tlb::flush(VirtAddr::new(page));
        Ok(())
    }

    /// A write by the process at `addr` faulted on a present page: if the
    /// page is copy-on-write, gives it a writable frame of its own
    /// ([`Self::break_share`]) and returns `true` (the write can be
    /// retried). `false` if the page is not copy-on-write or no frame is
    /// free: the fault is the process's.
    pub fn resolve_write_fault(&mut self, addr: u64) -> bool {
        self.break_share(addr & !(PAGE - 1)).is_ok()
    }

    /// A touch of the process's main stack below what is mapped: if `addr`
    /// lies on an unmapped page of the stack's reserve
    /// (`[STACK_TOP - STACK_RESERVE, STACK_TOP)`, capos-abi's layout), maps a
    /// fresh zeroed page there and returns `true` (the access can be
    /// retried). `false` outside the reserve, for a page already mapped, or
    /// when the memory limit or the frames are used up: the fault is the
    /// process's.
    pub fn grow_stack(&mut self, addr: u64) -> bool {
        let page = addr & !(PAGE - 1);
        let reserve = (STACK_TOP - STACK_RESERVE)..STACK_TOP;
        reserve.contains(&page)
            && self.translate_page(page).is_none()
            && self.map_fresh(page, PAGE, UserAccess::ReadWrite).is_ok()
    }

    /// Maps a frame the address space does not own (it will not be freed
    /// with the address space).
    pub fn map_borrowed(&mut self, virt: u64, phys: u64, access: UserAccess) -> Result<(), MapError> {
        self.map_frame(virt, phys, access.flags() | BORROWED)
    }

    /// Unmaps every mapped page of `[virt, virt+size)`, freeing owned frames.
    /// Unmapped regions are skipped where their table is empty
    /// ([`Self::next_mapped`]), so the work follows what is mapped, not the
    /// size of the range. Returns the pages unmapped.
    pub fn unmap_range(&mut self, virt: u64, size: u64) -> usize {
        let mut count = 0;
        let end = virt.saturating_add(size);
        let mut addr = virt;
        while let Some(page) = self.next_mapped(addr, end) {
            if self.unmap_page(page).is_ok() {
                count += 1;
            }
            addr = page + PAGE;
        }
        count
    }

    /// The first mapped page at or after `virt` and below `end` (both in
    /// the user half), if any. Whole unmapped 512 GiB, 1 GiB and 2 MiB
    /// regions are skipped at the table level where their entry is empty,
    /// so the cost is bounded by the tables that exist, whatever the range.
    pub fn next_mapped(&self, virt: u64, end: u64) -> Option<u64> {
        /// The start of the next region of `1 << shift` bytes after `addr`.
        fn next_region(addr: u64, shift: u32) -> u64 {
            ((addr >> shift) + 1) << shift
        }
        /// The table an entry points to.
        fn table_of(entry: &x86_64::structures::paging::page_table::PageTableEntry) -> &'static PageTable {
            // SAFETY: a present, non-huge entry of this address space's
            // tables holds the physical address of the next-level table, a
            // frame the address space owns and the window maps; the table
            // is only read here, under the `&self` borrow of its owner.
            unsafe { &*(layout::phys_to_virt(entry.addr().as_u64()) as *const PageTable) }
        }
        let end = end.min(USER_END);
        let mut addr = virt.max(USER_START) & !(PAGE - 1);
        let root = layout::phys_to_virt(self.root.start_address().as_u64()) as *const PageTable;
        // SAFETY: the address space's own top-level table, alive as long as
        // `self`, read only.
        let pml4 = unsafe { &*root };
        while addr < end {
            let index = |shift: u32| ((addr >> shift) & 511) as usize;
            let e4 = &pml4[index(39)];
            if !e4.flags().contains(Flags::PRESENT) {
                addr = next_region(addr, 39);
                continue;
            }
            let e3 = &table_of(e4)[index(30)];
            if !e3.flags().contains(Flags::PRESENT) {
                addr = next_region(addr, 30);
                continue;
            }
            if e3.flags().contains(Flags::HUGE_PAGE) {
                return Some(addr);
            }
            let e2 = &table_of(e3)[index(21)];
            if !e2.flags().contains(Flags::PRESENT) {
                addr = next_region(addr, 21);
                continue;
            }
            if e2.flags().contains(Flags::HUGE_PAGE) {
                return Some(addr);
            }
            if table_of(e2)[index(12)].flags().contains(Flags::PRESENT) {
                return Some(addr);
            }
            addr += PAGE;
        }
        None
    }

    /// Unmaps one page, freeing its frame if owned.
    pub fn unmap_page(&mut self, virt: u64) -> Result<(), MapError> {
        if !user_range_ok(virt, PAGE) || !virt.is_multiple_of(PAGE) {
            return Err(MapError::NotUser(virt));
        }
        let page = Page::<Size4KiB>::containing_address(VirtAddr::new(virt));
        let mut table = self.table();
        let borrowed = match table.translate(VirtAddr::new(virt)) {
            TranslateResult::Mapped { flags, .. } => flags.contains(BORROWED),
            _ => return Err(MapError::NotMapped(virt)),
        };
        match table.unmap(page) {
            Ok((f, flush)) => {
                flush.flush();
                if !borrowed {
                    let _ = frame::free(f);
                    self.quota.release();
                }
                Ok(())
            }
            Err(UnmapError::ParentEntryHugePage) => Err(MapError::InsideHugePage(virt)),
            Err(_) => Err(MapError::NotMapped(virt)),
        }
    }

    /// Changes the rights of every mapped page in `[virt, virt+size)`.
    /// Fails without changing anything if a page in the range is unmapped.
    pub fn protect(&mut self, virt: u64, size: u64, access: UserAccess) -> Result<(), MapError> {
        if !virt.is_multiple_of(PAGE) || !size.is_multiple_of(PAGE) {
            return Err(MapError::Unaligned(virt));
        }
        if !user_range_ok(virt, size) {
            return Err(MapError::NotUser(virt));
        }
        let mut addr = virt;
        while addr < virt + size {
            if self.translate(addr).is_none() {
                return Err(MapError::NotMapped(addr));
            }
            addr += PAGE;
        }
        let mut table = self.table();
        let mut addr = virt;
        while addr < virt + size {
            let page = Page::<Size4KiB>::containing_address(VirtAddr::new(addr));
            let (keep, shared) = match table.translate(VirtAddr::new(addr)) {
                TranslateResult::Mapped { flags, frame: MappedFrame::Size4KiB(f), .. } => {
                    (flags & BORROWED, !flags.contains(BORROWED) && frame::is_shared(f))
                }
                TranslateResult::Mapped { flags, .. } => (flags & BORROWED, false),
                _ => (Flags::empty(), false),
            };
            // A page whose frame is shared stays read-only: writable, it
            // becomes copy-on-write.
            let mut rights = access.flags() | keep;
            if shared && rights.contains(Flags::WRITABLE) {
                rights = (rights - Flags::WRITABLE) | COPY_ON_WRITE;
            }
            // SAFETY: only the rights of a user page change; the frame and
            // ownership bit stay, and a shared frame stays read-only.
            if let Ok(flush) = unsafe { table.update_flags(page, rights) } {
                flush.flush();
            }
            addr += PAGE;
        }
        Ok(())
    }

    /// Where `virt` maps to, for a user-accessible page; `None` otherwise.
    pub fn translate(&self, virt: u64) -> Option<UserTranslation> {
        if !user_range_ok(virt, 1) {
            return None;
        }
        match self.table().translate(VirtAddr::new(virt)) {
            TranslateResult::Mapped { frame, offset, flags } if flags.contains(Flags::USER_ACCESSIBLE) => {
                let base = match frame {
                    MappedFrame::Size4KiB(f) => f.start_address(),
                    MappedFrame::Size2MiB(f) => f.start_address(),
                    MappedFrame::Size1GiB(f) => f.start_address(),
                };
                Some(UserTranslation {
                    phys: base.as_u64() + offset,
                    writable: flags.contains(Flags::WRITABLE),
                    executable: !flags.contains(Flags::NO_EXECUTE),
                    copy_on_write: flags.contains(COPY_ON_WRITE),
                })
            }
            _ => None,
        }
    }

    /// [`Self::translate`] for the copies' page-by-page walks: the
    /// last-level entry read straight from the tables ([`Self::leaf_table`],
    /// three table reads and no generic walker), falling back to
    /// `translate` where there is no last-level table (unmapped, or a huge
    /// page). The same answer either way.
    fn translate_page(&self, virt: u64) -> Option<UserTranslation> {
        let Some(table) = self.leaf_table(virt) else { return self.translate(virt) };
        Self::leaf_translation(table, virt)
    }

    /// The translation of user page `virt` from its last-level table
    /// `table` (which [`Self::leaf_table`] gave for `virt`, or for another
    /// page of the same 2 MiB, under the same `&self` borrow).
    fn leaf_translation(table: *mut PageTable, virt: u64) -> Option<UserTranslation> {
        // SAFETY: a last-level table of this address space
        // ([`Self::leaf_table`]), only read, while the caller's `&self`
        // borrow keeps the tables as they were; the index is below 512.
        let entry = unsafe { (table as *const u64).add(((virt >> 12) & 511) as usize).read() };
        let bit = |flag: Flags| entry & flag.bits() != 0;
        if !bit(Flags::PRESENT) || !bit(Flags::USER_ACCESSIBLE) {
            return None;
        }
        Some(UserTranslation {
            phys: (entry & ENTRY_ADDRESS) + (virt & (PAGE - 1)),
            writable: bit(Flags::WRITABLE),
            executable: !bit(Flags::NO_EXECUTE),
            copy_on_write: bit(COPY_ON_WRITE),
        })
    }

    /// The translation of the page holding all of `[addr, addr+len)`,
    /// when the range is non-empty user memory inside one mapped page: the
    /// fast path of the copies (a call's params, results and ids are a few
    /// bytes). `None` sends the caller to the general walk, which gives the
    /// same answer for such a range.
    fn one_page(&self, addr: u64, len: usize) -> Option<UserTranslation> {
        let last = addr.checked_add(len as u64)?.checked_sub(1)?;
        if len == 0 || addr / PAGE != last / PAGE || !user_range_ok(addr, len as u64) {
            return None;
        }
        self.translate_page(addr)
    }

    /// Walks `[addr, addr+len)` page by page, calling `f(phys, offset, n)`
    /// for each piece; fails if any page is not user memory (or, with
    /// `write`, not writable, copy-on-write pages included: callers that
    /// write break their shares first). Nothing is touched before every
    /// page passed.
    fn walk(&self, addr: u64, len: usize, write: bool, mut f: impl FnMut(u64, usize, usize)) -> bool {
        // Two passes over the pages, the first only checking (no list of
        // pieces to allocate: `len` is the caller's); nothing can change
        // the tables in between while `self` is borrowed.
        self.pages(addr, len, |t, _, _| !write || t.writable || t.copy_on_write)
            && self.pages(addr, len, |t, offset, n| {
                f(t.phys, offset, n);
                true
            })
    }

    /// Calls `check(translation, offset, n)` for each page of
    /// `[addr, addr+len)` in order (`n` bytes of the range from `offset`),
    /// until one returns `false` or a page is not user memory (then
    /// `false`). Pages of one 2 MiB region share their last-level table,
    /// looked up once for them (a 64 KiB buffer is one lookup and sixteen
    /// entry reads, not sixteen walks).
    fn pages(
        &self,
        addr: u64,
        len: usize,
        mut check: impl FnMut(UserTranslation, usize, usize) -> bool,
    ) -> bool {
        if len == 0 {
            return true;
        }
        if !user_range_ok(addr, len as u64) {
            return false;
        }
        let mut leaf: Option<(u64, *mut PageTable)> = None;
        let mut done = 0usize;
        while done < len {
            let at = addr + done as u64;
            let region = at >> 21;
            let t = match leaf {
                Some((r, table)) if r == region => Self::leaf_translation(table, at),
                _ => match self.leaf_table(at) {
                    Some(table) => {
                        leaf = Some((region, table));
                        Self::leaf_translation(table, at)
                    }
                    None => self.translate(at),
                },
            };
            let Some(t) = t else { return false };
            let n = ((PAGE - at % PAGE) as usize).min(len - done);
            if !check(t, done, n) {
                return false;
            }
            done += n;
        }
        true
    }

    /// `[addr, addr+len)` as a slot to write later under the same borrow,
    /// when it is non-empty and lies in one writable page of this address
    /// space's own (not copy-on-write): the check and the write of a call
    /// answered at once with one translation. `None` says nothing about
    /// the range: the caller takes the general path ([`Self::is_writable`],
    /// [`Self::copy_to_user`]).
    pub fn writable_slot(&mut self, addr: u64, len: usize) -> Option<UserSlot<'_>> {
        let t = self.one_page(addr, len).filter(|t| t.writable && !t.copy_on_write)?;
        Some(UserSlot { phys: t.phys, len, _space: core::marker::PhantomData })
    }

    /// Whether every byte of `[addr, addr+len)` is writable user memory
    /// (an empty range is; a copy-on-write page is writable).
    pub fn is_writable(&self, addr: u64, len: usize) -> bool {
        if let Some(t) = self.one_page(addr, len) {
            return t.writable || t.copy_on_write;
        }
        if len == 0 {
            return true;
        }
        if !user_range_ok(addr, len as u64) {
            return false;
        }
        // Page by page, reading the last-level entries straight from their
        // table (one lookup per 2 MiB: a RECV's 64 KiB buffer is checked on
        // every call); where a region has no last-level table (a huge page,
        // or nothing mapped) the rest goes through `pages`, which answers
        // for those too.
        const NEEDED: u64 = Flags::PRESENT.bits() | Flags::USER_ACCESSIBLE.bits();
        const WRITE: u64 = Flags::WRITABLE.bits() | COPY_ON_WRITE.bits();
        let last = (addr + len as u64 - 1) & !(PAGE - 1);
        let mut page = addr & !(PAGE - 1);
        while page <= last {
            let Some(table) = self.leaf_table(page) else {
                let from = page.max(addr);
                let rest = (addr + len as u64 - from) as usize;
                return self.pages(from, rest, |t, _, _| t.writable || t.copy_on_write);
            };
            let region_last = (page | ((1 << 21) - 1)).min(last);
            while page <= region_last {
                // SAFETY: as in `leaf_translation`: a last-level table of
                // this address space, only read under `&self`; the index
                // is below 512.
                let entry = unsafe { (table as *const u64).add(((page >> 12) & 511) as usize).read() };
                if entry & NEEDED != NEEDED || entry & WRITE == 0 {
                    return false;
                }
                page += PAGE;
            }
        }
        true
    }

    /// Copies user memory at `addr` into `out`. `false` if any byte is not
    /// readable user memory (then `out` is unchanged).
    pub fn copy_from_user(&self, addr: u64, out: &mut [u8]) -> bool {
        // SAFETY: `u8` and `MaybeUninit<u8>` have the same layout, and only
        // initialised bytes are written through the view.
        let out = unsafe { &mut *(core::ptr::from_mut(out) as *mut [MaybeUninit<u8>]) };
        self.copy_from_user_uninit(addr, out)
    }

    /// [`Self::copy_from_user`] into a buffer that need not be initialised
    /// (a kernel stack buffer not cleared first); on `true` every byte of
    /// `out` has been written.
    pub fn copy_from_user_uninit(&self, addr: u64, out: &mut [MaybeUninit<u8>]) -> bool {
        let len = out.len();
        crate::profile::count(capos_abi::profile::Counter::UserCopies);
        crate::profile::add(capos_abi::profile::Counter::UserCopyBytes, len as u64);
        if let Some(t) = self.one_page(addr, len) {
            // SAFETY: as below, for the one page the range lies in.
            unsafe {
                core::ptr::copy_nonoverlapping(
                    layout::phys_to_virt(t.phys) as *const u8,
                    out.as_mut_ptr().cast::<u8>(),
                    len,
                )
            };
            return true;
        }
        self.walk(addr, len, false, |phys, offset, n| {
            // SAFETY: `phys..phys+n` lies in one mapped user page (checked by
            // `walk`), reachable through the window; `out` is a distinct
            // kernel buffer.
            unsafe {
                core::ptr::copy_nonoverlapping(
                    layout::phys_to_virt(phys) as *const u8,
                    out.as_mut_ptr().cast::<u8>().add(offset),
                    n,
                )
            }
        })
    }

    /// Copies `data` to user memory at `addr`. Copy-on-write pages of the
    /// range get a frame of their own first ([`Self::break_share`]), so the
    /// write never reaches a frame another address space maps. Fails with
    /// `BadAddress` if any byte is not writable user memory, `OutOfFrames`
    /// if a share could not be broken; then nothing was written (shares
    /// already broken stay broken: that changes no byte anyone sees).
    pub fn copy_to_user(&mut self, addr: u64, data: &[u8]) -> Result<(), UserWriteError> {
        crate::profile::count(capos_abi::profile::Counter::UserCopies);
        crate::profile::add(capos_abi::profile::Counter::UserCopyBytes, data.len() as u64);
        // The common case: one mapped, writable page, not shared (nothing
        // to grow or break first).
        if let Some(t) = self.one_page(addr, data.len()).filter(|t| t.writable && !t.copy_on_write) {
            // SAFETY: as below: `t.phys..+len` lies in one writable page of
            // this address space's own, through the window; `data` is a
            // distinct kernel buffer.
            unsafe {
                core::ptr::copy_nonoverlapping(
                    data.as_ptr(),
                    layout::phys_to_virt(t.phys) as *mut u8,
                    data.len(),
                )
            };
            return Ok(());
        }
        // A write into the stack's reserve (a signal frame below the
        // deepest page touched so far) maps those pages, as the process's
        // own write would.
        // Only the part of the range inside the reserve is walked.
        if let Some(last) =
            addr.checked_add(data.len() as u64).filter(|_| !data.is_empty()).map(|end| end - 1)
        {
            let mut page = addr.max(STACK_TOP - STACK_RESERVE) & !(PAGE - 1);
            while page <= last.min(STACK_TOP - 1) {
                self.grow_stack(page);
                page += PAGE;
            }
        }
        if !self.is_writable(addr, data.len()) {
            return Err(UserWriteError::BadAddress);
        }
        if let Some(last) =
            addr.checked_add(data.len() as u64).filter(|_| !data.is_empty()).map(|end| end - 1)
        {
            let mut page = addr & !(PAGE - 1);
            while page <= last {
                if self.translate_page(page).is_some_and(|t| t.copy_on_write) {
                    self.break_share(page).map_err(|_| UserWriteError::OutOfFrames)?;
                }
                page += PAGE;
            }
        }
        let written = self.walk(addr, data.len(), true, |phys, offset, n| {
            // SAFETY: as in `copy_from_user`, with the page checked writable
            // and its frame this address space's alone (shares broken
            // above).
            unsafe {
                core::ptr::copy_nonoverlapping(
                    data.as_ptr().add(offset),
                    layout::phys_to_virt(phys) as *mut u8,
                    n,
                )
            }
        });
        if written { Ok(()) } else { Err(UserWriteError::BadAddress) }
    }

    /// Frees every owned frame and every user page table.
    fn teardown(&mut self) {
        let stamp = crate::profile::Stamp::now();
        let root = layout::phys_to_virt(self.root.start_address().as_u64()) as *mut PageTable;
        // SAFETY: the tables of the lower half belong to this address space
        // alone (the upper half is shared and not touched); it is not active
        // (checked by the caller), so no CPU walks them while they go.
        unsafe { free_tables(&mut *root, 4) };
        let _ = frame::free(self.root);
        stamp.end(capos_abi::profile::Counter::TeardownCycles);
    }
}

/// Frees the lower-half subtree of `table` at `level` (4 = top), including
/// owned leaf frames.
///
/// # Safety
/// The tables must be unused by any CPU and owned by the caller.
unsafe fn free_tables(table: &mut PageTable, level: u8) {
    let entries = if level == 4 { 0..256 } else { 0..512 };
    for i in entries {
        let entry = &mut table[i];
        if entry.is_unused() {
            continue;
        }
        let flags = entry.flags();
        let phys = entry.addr().as_u64();
        if level > 1 && !flags.contains(Flags::HUGE_PAGE) {
            let child = layout::phys_to_virt(phys) as *mut PageTable;
            // SAFETY: a lower-level table of this subtree.
            unsafe { free_tables(&mut *child, level - 1) };
            let _ = frame::free(PhysFrame::containing_address(PhysAddr::new(phys)));
        } else if !flags.contains(BORROWED) {
            let _ = frame::free(PhysFrame::containing_address(PhysAddr::new(phys)));
        }
        entry.set_unused();
    }
}

impl Drop for AddressSpace {
    fn drop(&mut self) {
        if self.is_active() {
            super::paging::activate_kernel_space();
        }
        self.teardown();
        // Every frame it held is freed (or its share given up): the pool
        // counts none of them any more.
        let own = core::mem::take(&mut self.quota.own);
        self.quota.pool.release(own);
    }
}
