//! The global physical frame allocator: `capos_lib::frame_bitmap` wired to
//! the boot memory map.
//!
//! At boot the bitmap's storage is carved out of the first usable region
//! that is clear of the low megabyte, the kernel image, the boot information
//! and boot modules, and that the early physical window can reach. Every
//! usable frame is then released and those ranges reserved again.
//! Frames are handed out zeroed, so no data leaks from one owner to the next.
//!
//! Next to the bitmap lies the share table (`capos_lib::frame_shares`):
//! a frame that copy-on-write `fork` maps into several address spaces has
//! several owners, and [`free`] drops one owner, returning the frame to the
//! bitmap only with the last.

use capos_lib::frame_bitmap::{FRAME_SIZE, FrameBitmap, FrameError, frames_inside, frames_touching};
use capos_lib::frame_shares::{FrameShares, Release, ShareError};
use spin::Mutex;
use x86_64::PhysAddr;
use x86_64::structures::paging::{PhysFrame, Size4KiB};

use super::layout::{self, EARLY_WINDOW_SIZE, Span};
use crate::boot::{BootInfo, RegionKind};

/// The bitmap and the share table, under one lock.
struct Frames {
    bitmap: FrameBitmap<'static>,
    shares: FrameShares<'static>,
}

static FRAMES: Mutex<Option<Frames>> = Mutex::new(None);

/// Most ranges reserved at boot (low memory, kernel, boot info, modules).
const MAX_RESERVED: usize = 3 + crate::boot::MAX_MODULES;

/// Frame counts after [`init`].
#[derive(Debug, Clone, Copy)]
pub struct FrameStats {
    /// Frames of usable RAM in the memory map.
    pub usable: usize,
    /// Bytes used by the bitmap and the share table.
    pub bitmap_bytes: u64,
}

/// Why the frame allocator could not be set up.
#[derive(Debug)]
pub enum FrameInitError {
    /// No usable region can hold the bitmap.
    NoRoomForBitmap {
        /// Bytes the bitmap needs.
        bytes: u64,
    },
    /// The bitmap rejected its storage.
    Bitmap(FrameError),
    /// The share table rejected its storage.
    Shares(ShareError),
}

impl core::fmt::Display for FrameInitError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::NoRoomForBitmap { bytes } => {
                write!(f, "no usable region below 1 GiB has {bytes} free bytes for the frame bitmap")
            }
            Self::Bitmap(e) => write!(f, "{e}"),
            Self::Shares(e) => write!(f, "{e}"),
        }
    }
}

fn overlaps(a: Span, b: Span) -> bool {
    a.start < b.end && b.start < a.end
}

/// Builds the frame bitmap from the boot memory map.
pub fn init(boot: &BootInfo) -> Result<FrameStats, FrameInitError> {
    let frame_count = boot.usable_end().div_ceil(FRAME_SIZE) as usize;
    let words = FrameBitmap::words_needed(frame_count);
    let entries = FrameShares::entries_needed(frame_count);
    // The bitmap's words, then the share table's entries, in one region.
    let words_bytes = (words as u64 * 8).next_multiple_of(8);
    let bitmap_bytes = (words_bytes + entries as u64 * 2).next_multiple_of(FRAME_SIZE);

    let mut reserved = [Span { start: 0, end: 0 }; MAX_RESERVED];
    reserved[0] = Span { start: 0, end: 0x10_0000 };
    reserved[1] = layout::kernel_physical();
    reserved[2] = Span { start: boot.info_range.start, end: boot.info_range.end };
    for (slot, module) in reserved[3..].iter_mut().zip(boot.modules()) {
        *slot = Span { start: module.start, end: module.end };
    }

    let storage_start = place_bitmap(boot, &reserved, bitmap_bytes)
        .ok_or(FrameInitError::NoRoomForBitmap { bytes: bitmap_bytes })?;
    // SAFETY: `place_bitmap` picked `bitmap_bytes` of usable RAM that no
    // other reservation overlaps and that lies inside the early window, which
    // maps it writable at `phys_to_virt`; the range is reserved in the
    // bitmap below so it is never handed out, making these two slices (the
    // words, then the entries after them, both inside `bitmap_bytes` and
    // disjoint) its only users for the rest of the kernel's life. The
    // address is page aligned, so both are aligned for their types.
    let (storage, share_storage) = unsafe {
        let base = layout::phys_to_virt(storage_start);
        (
            core::slice::from_raw_parts_mut(base as *mut u64, words),
            core::slice::from_raw_parts_mut((base + words_bytes) as *mut u16, entries),
        )
    };
    let mut bitmap = FrameBitmap::new(storage, frame_count).map_err(FrameInitError::Bitmap)?;
    let shares = FrameShares::new(share_storage, frame_count).map_err(FrameInitError::Shares)?;
    let mut usable = 0;
    for region in boot.regions().iter().filter(|r| r.kind == RegionKind::Usable) {
        usable += bitmap.release_range(frames_inside(region.start, region.len));
    }
    for span in reserved.iter().filter(|s| s.end > s.start) {
        bitmap.reserve_range(frames_touching(span.start, span.end - span.start));
    }
    bitmap.reserve_range(frames_touching(storage_start, bitmap_bytes));
    *FRAMES.lock() = Some(Frames { bitmap, shares });
    Ok(FrameStats { usable, bitmap_bytes })
}

/// First page-aligned physical address with `bytes` of usable RAM that
/// overlaps no reserved span and lies below the early window's end.
fn place_bitmap(boot: &BootInfo, reserved: &[Span], bytes: u64) -> Option<u64> {
    for region in boot.regions().iter().filter(|r| r.kind == RegionKind::Usable) {
        let inside = frames_inside(region.start, region.len);
        let region_end = (inside.end * FRAME_SIZE).min(EARLY_WINDOW_SIZE);
        let mut candidate = inside.start * FRAME_SIZE;
        while candidate + bytes <= region_end {
            let span = Span { start: candidate, end: candidate + bytes };
            match reserved.iter().find(|r| r.end > r.start && overlaps(span, **r)) {
                Some(blocker) => candidate = blocker.end.next_multiple_of(FRAME_SIZE),
                None => return Some(candidate),
            }
        }
    }
    None
}

/// Allocates one zeroed frame.
pub fn alloc_zeroed() -> Option<PhysFrame<Size4KiB>> {
    let take = || FRAMES.lock().as_mut()?.bitmap.alloc();
    // None free: the cache of program segments gives back what only it
    // holds (`image_cache::shrink`), and the allocation is tried again.
    let number = take().or_else(|| if super::image_cache::shrink() { take() } else { None })?;
    let phys = number as u64 * FRAME_SIZE;
    crate::profile::count(capos_abi::profile::Counter::FramesZeroed);
    // SAFETY: the frame was just taken from the allocator, so nothing else
    // uses it; the physical window maps all RAM writable (the early window
    // maps the first GiB, and next-fit allocation hands out low frames
    // first, before the final window exists).
    unsafe { core::ptr::write_bytes(layout::phys_to_virt(phys) as *mut u8, 0, FRAME_SIZE as usize) };
    Some(PhysFrame::containing_address(PhysAddr::new(phys)))
}

/// Allocates `count` zeroed, physically consecutive frames (for device
/// rings, which the device addresses by one physical base); the physical
/// address of the first.
pub fn alloc_contiguous_zeroed(count: usize) -> Option<u64> {
    let first = FRAMES.lock().as_mut()?.bitmap.alloc_contiguous(count, 1)?;
    let phys = first as u64 * FRAME_SIZE;
    // SAFETY: the frames were just taken from the allocator, so nothing
    // else uses them; the physical window maps all RAM writable.
    unsafe { core::ptr::write_bytes(layout::phys_to_virt(phys) as *mut u8, 0, count * FRAME_SIZE as usize) };
    Some(phys)
}

fn number(frame: PhysFrame<Size4KiB>) -> usize {
    (frame.start_address().as_u64() / FRAME_SIZE) as usize
}

/// Drops one owner of a frame: returns it to the allocator if that was
/// the last (a frame never shared has one owner).
pub fn free(frame: PhysFrame<Size4KiB>) -> Result<(), FrameError> {
    let number = number(frame);
    match FRAMES.lock().as_mut() {
        Some(frames) => match frames.shares.remove_owner(number) {
            Release::Last => frames.bitmap.free(number),
            Release::Shared(_) => Ok(()),
        },
        None => Err(FrameError::OutOfRange { frame: number }),
    }
}

/// Records one more owner of an allocated frame (a copy-on-write share);
/// `false`, changing nothing, if it cannot be counted.
pub fn share(frame: PhysFrame<Size4KiB>) -> bool {
    FRAMES.lock().as_mut().is_some_and(|frames| frames.shares.add_owner(number(frame)).is_ok())
}

/// Whether an allocated frame has more than one owner.
pub fn is_shared(frame: PhysFrame<Size4KiB>) -> bool {
    FRAMES.lock().as_ref().is_some_and(|frames| frames.shares.is_shared(number(frame)))
}

/// Frames currently free.
pub fn free_count() -> usize {
    FRAMES.lock().as_ref().map_or(0, |frames| frames.bitmap.free_count())
}
