//! The cache of read-only program segments: the frames of the text and
//! read-only data of recently loaded images, mapped again (shared) into
//! the next address space that loads a segment with the same contents,
//! as Linux maps a program's text from its page cache
//! (`capos_lib::segment_cache` says why it matters most under TCG).
//!
//! Only segments that are not writable are kept. A hit needs the same
//! key (first page, start address, sizes in memory and in the file,
//! access, hash of the bytes) and then the same bytes: the cached frames
//! are compared with the image's before they are mapped, so a hash
//! collision is a miss, never a wrong page. The frames cannot change while
//! cached: they are mapped without write access everywhere, and a later
//! `protect` that allows writing makes a shared frame copy-on-write
//! (`AddressSpace::protect`), as for `fork`.
//!
//! Memory: the cache holds one share of each frame it keeps, charged to
//! no process (each address space that maps one counts it in its own
//! quota, as for `fork`), at most [`MOST_FRAMES`] frames, and only keeps
//! more while the free frames exceed [`FREE_RESERVE`]. When the frame
//! allocator runs dry it empties the cache ([`shrink`]) and tries again, so
//! the cache never makes an allocation fail; when no process is left the
//! idle loop empties it before the leak report ([`clear`]).

use alloc::vec::Vec;
use capos_lib::elf::LoadSegment;
use capos_lib::segment_cache::{Entry, SegmentCache, SegmentKey};
use spin::Mutex;
use x86_64::structures::paging::PhysFrame;

use super::address_space::{AddressSpace, UserAccess};
use super::frame;
use super::layout;
use super::paging::MapError;

/// Most frames the cache holds (16 MiB).
pub const MOST_FRAMES: usize = 4096;
/// Free frames below which nothing more is kept (64 MiB).
pub const FREE_RESERVE: usize = 4 * MOST_FRAMES;

static CACHE: Mutex<SegmentCache<PhysFrame>> = Mutex::new(SegmentCache::new(MOST_FRAMES));

const PAGE: u64 = 4096;

fn key(segment: &LoadSegment, bytes: &[u8]) -> SegmentKey {
    SegmentKey {
        page: segment.page_range().start,
        vaddr: segment.vaddr,
        mem_size: segment.mem_size,
        file_size: segment.file_size,
        execute: segment.flags.execute,
        hash: capos_lib::segment_cache::hash(bytes),
    }
}

/// Whether `frames` hold what loading `segment` from `elf` would put in
/// its pages. Only the file bytes are compared: the rest of each page is
/// zero in both, since the same key means the same layout.
fn same_contents(frames: &[PhysFrame], segment: &LoadSegment, elf: &[u8]) -> bool {
    let start = segment.page_range().start;
    frames.iter().enumerate().all(|(i, frame)| {
        let Some(copy) = segment.page_copy(start + i as u64 * PAGE) else { return true };
        let Some(bytes) = elf.get(copy.file_range.clone()) else { return false };
        if copy.page_offset + bytes.len() > PAGE as usize {
            return false;
        }
        let base = layout::phys_to_virt(frame.start_address().as_u64()) + copy.page_offset as u64;
        // SAFETY: a frame the cache holds a share of (allocated, not
        // freed while the cache lock is held), reached through the
        // kernel's window onto physical memory; `page_offset + len` stays
        // inside its 4 KiB (checked above); only read.
        let cached = unsafe { core::slice::from_raw_parts(base as *const u8, bytes.len()) };
        cached == bytes
    })
}

/// Maps `segment` (parsed from `elf`, with the file bytes `bytes`) into
/// `space` from the cache with `access`: `Ok(true)` if it was there,
/// `Ok(false)` (nothing mapped) if not. Writable segments are never
/// cached.
pub fn map_cached(
    space: &mut AddressSpace,
    segment: &LoadSegment,
    elf: &[u8],
    bytes: &[u8],
    access: UserAccess,
) -> Result<bool, MapError> {
    if access == UserAccess::ReadWrite {
        return Ok(false);
    }
    let key = key(segment, bytes);
    let mut cache = CACHE.lock();
    let Some(frames) = cache.lookup(&key) else { return Ok(false) };
    if frames.len() as u64 != segment.page_count() || !same_contents(frames, segment, elf) {
        return Ok(false);
    }
    // Page tables it needs come from the allocator; if that runs dry
    // meanwhile, `shrink` finds the cache locked and leaves it.
    space.map_shared(key.page, frames, access)?;
    Ok(true)
}

/// Keeps the frames of `segment`, just loaded into `space` with `access`
/// (not writable), for the next load of the same contents. Does nothing
/// when the cache may not grow or a frame cannot take one more owner.
pub fn keep(space: &AddressSpace, segment: &LoadSegment, bytes: &[u8], access: UserAccess) {
    if access == UserAccess::ReadWrite || frame::free_count() < FREE_RESERVE {
        return;
    }
    let start = segment.page_range().start;
    let count = segment.page_count() as usize;
    if count == 0 || count > MOST_FRAMES {
        return;
    }
    let mut frames = Vec::new();
    if frames.try_reserve_exact(count).is_err() {
        return;
    }
    for i in 0..count {
        let Some(f) = space.owned_frame(start + i as u64 * PAGE) else { return };
        frames.push(f);
    }
    // The cache's own share of each.
    for (done, &f) in frames.iter().enumerate() {
        if !frame::share(f) {
            for &g in &frames[..done] {
                let _ = frame::free(g);
            }
            return;
        }
    }
    let inserted = CACHE.lock().insert(key(segment, bytes), frames);
    match inserted {
        Ok(dropped) => release(dropped),
        Err(frames) => {
            for f in frames {
                let _ = frame::free(f);
            }
        }
    }
}

/// Gives back the cache's share of each frame of `entries` (called with
/// no lock held).
fn release(entries: Vec<Entry<PhysFrame>>) {
    for entry in entries {
        for f in entry.frames {
            let _ = frame::free(f);
        }
    }
}

/// Empties the cache (the idle loop, once no process is left, so that
/// the leak report counts every frame free).
pub fn clear() {
    let all = CACHE.lock().clear();
    release(all);
}

/// Empties the cache for the frame allocator when it found no free frame;
/// `true` if that may have freed some. Does nothing when the cache is in
/// use on this CPU (its lock is held: an allocation made while mapping
/// from it).
pub fn shrink() -> bool {
    let Some(mut cache) = CACHE.try_lock() else { return false };
    if cache.is_empty() {
        return false;
    }
    let all = cache.clear();
    drop(cache);
    release(all);
    true
}
