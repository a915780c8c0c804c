//! Physical frame bitmap: which 4 KiB frames of physical memory are free.
//!
//! The bitmap does not own its storage: the kernel carves a slice of `u64`
//! words out of usable memory at boot (its size comes from
//! [`FrameBitmap::words_needed`]) and hands it in. One bit per frame, set
//! means "in use or not RAM". A fresh bitmap has every frame in use; the
//! boot code then frees the usable regions of the firmware memory map and
//! re-reserves what is already taken (kernel image, boot modules, the bitmap
//! itself).
//!
//! Allocation is next-fit from a cursor, so repeated single-frame
//! allocations are cheap, and double frees or frees of frames that were
//! never handed out are reported instead of corrupting the count.

/// Size of one physical frame in bytes.
pub const FRAME_SIZE: u64 = 4096;

const BITS_PER_WORD: usize = 64;

/// What went wrong with a bitmap operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FrameError {
    /// The storage slice has fewer words than the frame count needs.
    StorageTooSmall {
        /// Words required.
        needed: usize,
        /// Words given.
        given: usize,
    },
    /// A frame number at or past the end of the bitmap.
    OutOfRange {
        /// The offending frame number.
        frame: usize,
    },
    /// The frame was already free.
    DoubleFree {
        /// The offending frame number.
        frame: usize,
    },
}

impl core::fmt::Display for FrameError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::StorageTooSmall { needed, given } => {
                write!(f, "frame bitmap needs {needed} words, got {given}")
            }
            Self::OutOfRange { frame } => write!(f, "frame {frame} is outside the bitmap"),
            Self::DoubleFree { frame } => write!(f, "frame {frame} freed while already free"),
        }
    }
}

/// Frame numbers `[start, end)` that lie entirely inside the byte range
/// `[base, base + len)`: the start is rounded up and the end down to frame
/// boundaries, so a partial frame at either edge is left out.
pub fn frames_inside(base: u64, len: u64) -> core::ops::Range<u64> {
    let end = base.saturating_add(len);
    let first = base.div_ceil(FRAME_SIZE);
    let last = end / FRAME_SIZE;
    if last <= first { first..first } else { first..last }
}

/// Frame numbers `[start, end)` that touch the byte range
/// `[base, base + len)`: the start is rounded down and the end up, so every
/// frame holding any byte of the range is included.
pub fn frames_touching(base: u64, len: u64) -> core::ops::Range<u64> {
    if len == 0 {
        let f = base / FRAME_SIZE;
        return f..f;
    }
    let end = base.saturating_add(len);
    (base / FRAME_SIZE)..end.div_ceil(FRAME_SIZE)
}

/// A bitmap over `frame_count` physical frames, numbered from 0.
#[derive(Debug)]
pub struct FrameBitmap<'a> {
    words: &'a mut [u64],
    frame_count: usize,
    free: usize,
    cursor: usize,
}

impl<'a> FrameBitmap<'a> {
    /// Number of `u64` words needed to track `frame_count` frames.
    pub const fn words_needed(frame_count: usize) -> usize {
        frame_count.div_ceil(BITS_PER_WORD)
    }

    /// A bitmap over `frame_count` frames with every frame marked in use.
    pub fn new(storage: &'a mut [u64], frame_count: usize) -> Result<Self, FrameError> {
        let needed = Self::words_needed(frame_count);
        if storage.len() < needed {
            return Err(FrameError::StorageTooSmall { needed, given: storage.len() });
        }
        let words = &mut storage[..needed];
        words.fill(u64::MAX);
        Ok(Self { words, frame_count, free: 0, cursor: 0 })
    }

    /// Number of frames the bitmap covers.
    pub fn frame_count(&self) -> usize {
        self.frame_count
    }

    /// Number of frames currently free.
    pub fn free_count(&self) -> usize {
        self.free
    }

    /// Whether `frame` is in use (frames past the end count as in use).
    pub fn is_used(&self, frame: usize) -> bool {
        if frame >= self.frame_count {
            return true;
        }
        self.words[frame / BITS_PER_WORD] & (1 << (frame % BITS_PER_WORD)) != 0
    }

    fn set(&mut self, frame: usize, used: bool) {
        let mask = 1u64 << (frame % BITS_PER_WORD);
        let word = &mut self.words[frame / BITS_PER_WORD];
        let was_used = *word & mask != 0;
        if was_used == used {
            return;
        }
        if used {
            *word |= mask;
            self.free -= 1;
        } else {
            *word &= !mask;
            self.free += 1;
        }
    }

    fn clamp(&self, range: core::ops::Range<u64>) -> core::ops::Range<usize> {
        let limit = self.frame_count as u64;
        let start = range.start.min(limit) as usize;
        let end = range.end.min(limit) as usize;
        start..end.max(start)
    }

    /// Marks the frames of `range` free (a usable region of the memory map).
    /// Frames past the end of the bitmap are ignored. Returns how many
    /// frames changed from used to free.
    pub fn release_range(&mut self, range: core::ops::Range<u64>) -> usize {
        let before = self.free;
        for frame in self.clamp(range) {
            self.set(frame, false);
        }
        self.free - before
    }

    /// Marks the frames of `range` in use (a reservation: kernel image, boot
    /// modules, firmware tables). Frames past the end are ignored. Returns how
    /// many frames changed from free to used.
    pub fn reserve_range(&mut self, range: core::ops::Range<u64>) -> usize {
        let before = self.free;
        for frame in self.clamp(range) {
            self.set(frame, true);
        }
        before - self.free
    }

    /// Allocates one frame, or `None` when every frame is in use.
    pub fn alloc(&mut self) -> Option<usize> {
        if self.free == 0 {
            return None;
        }
        let word_count = self.words.len();
        let start_word = self.cursor / BITS_PER_WORD;
        for step in 0..=word_count {
            let index = (start_word + step) % word_count;
            let word = self.words[index];
            if word == u64::MAX {
                continue;
            }
            let bit = (!word).trailing_zeros() as usize;
            let frame = index * BITS_PER_WORD + bit;
            if frame >= self.frame_count {
                continue;
            }
            self.set(frame, true);
            self.cursor = frame + 1;
            return Some(frame);
        }
        None
    }

    /// Allocates `count` consecutive frames whose first frame number is a
    /// multiple of `align` (in frames; 0 and 1 mean no alignment). Returns
    /// the first frame, or `None` if no such run is free.
    pub fn alloc_contiguous(&mut self, count: usize, align: usize) -> Option<usize> {
        if count == 0 || count > self.free {
            return None;
        }
        let align = align.max(1);
        let mut start = 0;
        while start + count <= self.frame_count {
            match (start..start + count).find(|&f| self.is_used(f)) {
                Some(used) => {
                    start = (used + 1).next_multiple_of(align);
                }
                None => {
                    for frame in start..start + count {
                        self.set(frame, true);
                    }
                    return Some(start);
                }
            }
        }
        None
    }

    /// Returns `frame` to the free pool.
    pub fn free(&mut self, frame: usize) -> Result<(), FrameError> {
        if frame >= self.frame_count {
            return Err(FrameError::OutOfRange { frame });
        }
        if !self.is_used(frame) {
            return Err(FrameError::DoubleFree { frame });
        }
        self.set(frame, false);
        if frame < self.cursor {
            self.cursor = frame;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bitmap(storage: &mut Vec<u64>, frames: usize) -> FrameBitmap<'_> {
        storage.resize(FrameBitmap::words_needed(frames), 0);
        FrameBitmap::new(storage, frames).expect("storage sized by words_needed")
    }

    #[test]
    fn new_bitmap_has_nothing_free() {
        let mut s = Vec::new();
        let mut b = bitmap(&mut s, 100);
        assert_eq!(b.free_count(), 0);
        assert_eq!(b.alloc(), None);
        assert!(b.is_used(0) && b.is_used(99) && b.is_used(100));
    }

    #[test]
    fn storage_too_small_is_an_error() {
        let mut s = [0u64; 1];
        assert_eq!(
            FrameBitmap::new(&mut s, 65).unwrap_err(),
            FrameError::StorageTooSmall { needed: 2, given: 1 }
        );
    }

    #[test]
    fn release_then_reserve_counts_changes_only() {
        let mut s = Vec::new();
        let mut b = bitmap(&mut s, 200);
        assert_eq!(b.release_range(10..110), 100);
        assert_eq!(b.release_range(50..120), 10, "already-free frames are not counted twice");
        assert_eq!(b.free_count(), 110);
        assert_eq!(b.reserve_range(0..20), 10);
        assert_eq!(b.free_count(), 100);
        assert_eq!(b.release_range(190..1000), 10, "range is clamped to the bitmap");
        assert_eq!(b.frame_count(), 200);
    }

    #[test]
    fn alloc_free_roundtrip_and_exhaustion() {
        let mut s = Vec::new();
        let mut b = bitmap(&mut s, 130);
        b.release_range(0..130);
        let mut got = std::collections::BTreeSet::new();
        while let Some(f) = b.alloc() {
            assert!(f < 130);
            assert!(got.insert(f), "frame {f} handed out twice");
        }
        assert_eq!(got.len(), 130);
        assert_eq!(b.free_count(), 0);
        assert_eq!(b.alloc(), None);
        for f in [5usize, 64, 129] {
            b.free(f).unwrap();
        }
        assert_eq!(b.free_count(), 3);
        let again: std::collections::BTreeSet<_> = (0..3).map(|_| b.alloc().unwrap()).collect();
        assert_eq!(again, [5, 64, 129].into_iter().collect());
    }

    #[test]
    fn never_hands_out_reserved_frames() {
        let mut s = Vec::new();
        let mut b = bitmap(&mut s, 256);
        b.release_range(0..256);
        b.reserve_range(100..150);
        while let Some(f) = b.alloc() {
            assert!(!(100..150).contains(&f));
        }
    }

    #[test]
    fn double_free_and_out_of_range_are_typed_errors() {
        let mut s = Vec::new();
        let mut b = bitmap(&mut s, 64);
        b.release_range(0..64);
        let f = b.alloc().unwrap();
        b.free(f).unwrap();
        assert_eq!(b.free(f), Err(FrameError::DoubleFree { frame: f }));
        assert_eq!(b.free(64), Err(FrameError::OutOfRange { frame: 64 }));
        assert_eq!(b.free_count(), 64);
    }

    #[test]
    fn contiguous_respects_alignment_and_holes() {
        let mut s = Vec::new();
        let mut b = bitmap(&mut s, 1024);
        b.release_range(0..1024);
        b.reserve_range(3..4);
        let run = b.alloc_contiguous(8, 8).unwrap();
        assert_eq!(run, 8, "first aligned run after the hole at 3");
        for f in run..run + 8 {
            assert!(b.is_used(f));
        }
        assert_eq!(b.free_count(), 1024 - 1 - 8);
        let big = b.alloc_contiguous(512, 512).unwrap();
        assert_eq!(big, 512);
        assert_eq!(b.alloc_contiguous(512, 512), None);
        assert_eq!(b.alloc_contiguous(0, 1), None);
    }

    #[test]
    fn frame_ranges_round_correctly() {
        assert_eq!(frames_inside(0, 4096), 0..1);
        assert_eq!(frames_inside(1, 8192), 1..2);
        assert_eq!(frames_inside(100, 200), 1..1, "no whole frame inside");
        assert_eq!(frames_touching(100, 200), 0..1);
        assert_eq!(frames_touching(4095, 2), 0..2);
        assert_eq!(frames_touching(8192, 0), 2..2);
        assert!(frames_inside(u64::MAX - 10, 100).is_empty(), "saturates at the top");
    }
}
