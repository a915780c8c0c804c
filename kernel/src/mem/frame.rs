//! The global physical frame allocator: `capos_lib::frame_bitmap` wired to
//! the boot memory map.
//!
//! At boot the bitmap's storage is carved out of the first usable region
//! that is clear of the low megabyte, the kernel image, the boot information
//! and boot modules, and that the early physical window can reach. Every
//! usable frame is then released and those ranges reserved again.
//! Frames are handed out zeroed, so no data leaks from one owner to the next.

use capos_lib::frame_bitmap::{FRAME_SIZE, FrameBitmap, FrameError, frames_inside, frames_touching};
use spin::Mutex;
use x86_64::PhysAddr;
use x86_64::structures::paging::{PhysFrame, Size4KiB};

use super::layout::{self, EARLY_WINDOW_SIZE, Span};
use crate::boot::{BootInfo, RegionKind};

static FRAMES: Mutex<Option<FrameBitmap<'static>>> = Mutex::new(None);

/// Most ranges reserved at boot (low memory, kernel, boot info, modules).
const MAX_RESERVED: usize = 3 + crate::boot::MAX_MODULES;

/// Frame counts after [`init`].
#[derive(Debug, Clone, Copy)]
pub struct FrameStats {
    /// Frames of usable RAM in the memory map.
    pub usable: usize,
    /// Bytes used by the bitmap itself.
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
}

impl core::fmt::Display for FrameInitError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::NoRoomForBitmap { bytes } => {
                write!(f, "no usable region below 1 GiB has {bytes} free bytes for the frame bitmap")
            }
            Self::Bitmap(e) => write!(f, "{e}"),
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
    let bitmap_bytes = (words as u64 * 8).next_multiple_of(FRAME_SIZE);

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
    // bitmap below so it is never handed out, making this slice its only
    // user for the rest of the kernel's life. The address is page aligned.
    let storage =
        unsafe { core::slice::from_raw_parts_mut(layout::phys_to_virt(storage_start) as *mut u64, words) };
    let mut bitmap = FrameBitmap::new(storage, frame_count).map_err(FrameInitError::Bitmap)?;
    let mut usable = 0;
    for region in boot.regions().iter().filter(|r| r.kind == RegionKind::Usable) {
        usable += bitmap.release_range(frames_inside(region.start, region.len));
    }
    for span in reserved.iter().filter(|s| s.end > s.start) {
        bitmap.reserve_range(frames_touching(span.start, span.end - span.start));
    }
    bitmap.reserve_range(frames_touching(storage_start, bitmap_bytes));
    *FRAMES.lock() = Some(bitmap);
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
    let number = FRAMES.lock().as_mut()?.alloc()?;
    let phys = number as u64 * FRAME_SIZE;
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
    let first = FRAMES.lock().as_mut()?.alloc_contiguous(count, 1)?;
    let phys = first as u64 * FRAME_SIZE;
    // SAFETY: the frames were just taken from the allocator, so nothing
    // else uses them; the physical window maps all RAM writable.
    unsafe { core::ptr::write_bytes(layout::phys_to_virt(phys) as *mut u8, 0, count * FRAME_SIZE as usize) };
    Some(phys)
}

/// Returns a frame to the allocator.
pub fn free(frame: PhysFrame<Size4KiB>) -> Result<(), FrameError> {
    let number = (frame.start_address().as_u64() / FRAME_SIZE) as usize;
    match FRAMES.lock().as_mut() {
        Some(bitmap) => bitmap.free(number),
        None => Err(FrameError::OutOfRange { frame: number }),
    }
}

/// Frames currently free.
pub fn free_count() -> usize {
    FRAMES.lock().as_ref().map_or(0, FrameBitmap::free_count)
}
