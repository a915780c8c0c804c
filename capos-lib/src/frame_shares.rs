//! Share counts of physical frames: how many owners a frame has beyond
//! its first (copy-on-write `fork` maps one frame into the parent and the
//! child until one of them writes it).
//!
//! Like [`crate::frame_bitmap::FrameBitmap`], the table does not own its
//! storage: the kernel carves a slice of `u16` out of usable memory at boot
//! (one per frame, [`FrameShares::entries_needed`]) and hands it in. An
//! entry holds the number of *extra* owners, so an all-zero table means
//! "every frame has at most one owner": a frame is allocated with zero
//! extra owners and its entry is zero again by the time it is freed, so
//! the table needs no work on allocation and frames that are never shared
//! (kernel stacks, page tables, device rings) never touch it.
//!
//! The caller frees a frame only when [`FrameShares::remove_owner`] says
//! the last owner went ([`Release::Last`]).

/// What went wrong with a share-count operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShareError {
    /// The storage slice has fewer entries than the frame count needs.
    StorageTooSmall {
        /// Entries required.
        needed: usize,
        /// Entries given.
        given: usize,
    },
    /// A frame number at or past the end of the table.
    OutOfRange {
        /// The offending frame number.
        frame: usize,
    },
    /// The frame has as many owners as an entry can count.
    TooManyOwners {
        /// The offending frame number.
        frame: usize,
    },
}

impl core::fmt::Display for ShareError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::StorageTooSmall { needed, given } => {
                write!(f, "frame share table needs {needed} entries, got {given}")
            }
            Self::OutOfRange { frame } => write!(f, "frame {frame} is outside the share table"),
            Self::TooManyOwners { frame } => write!(f, "frame {frame} has too many owners to count"),
        }
    }
}

/// What dropping one owner of a frame left.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Release {
    /// That was the last owner: the frame is free to go back to the
    /// allocator.
    Last,
    /// Other owners remain (how many).
    Shared(u32),
}

/// Extra-owner counts of `frame_count` physical frames, numbered from 0.
#[derive(Debug)]
pub struct FrameShares<'a> {
    extra: &'a mut [u16],
}

impl<'a> FrameShares<'a> {
    /// Number of `u16` entries needed to track `frame_count` frames.
    pub const fn entries_needed(frame_count: usize) -> usize {
        frame_count
    }

    /// A table over `frame_count` frames, each with one owner at most.
    pub fn new(storage: &'a mut [u16], frame_count: usize) -> Result<Self, ShareError> {
        let needed = Self::entries_needed(frame_count);
        if storage.len() < needed {
            return Err(ShareError::StorageTooSmall { needed, given: storage.len() });
        }
        let extra = &mut storage[..needed];
        extra.fill(0);
        Ok(Self { extra })
    }

    fn entry(&mut self, frame: usize) -> Result<&mut u16, ShareError> {
        self.extra.get_mut(frame).ok_or(ShareError::OutOfRange { frame })
    }

    /// How many owners an allocated `frame` has (1 unless it is shared);
    /// frames outside the table count as one owner.
    pub fn owners(&self, frame: usize) -> u32 {
        self.extra.get(frame).map_or(1, |&extra| u32::from(extra) + 1)
    }

    /// Whether `frame` has more than one owner.
    pub fn is_shared(&self, frame: usize) -> bool {
        self.owners(frame) > 1
    }

    /// Records one more owner of an allocated `frame`; changes nothing on
    /// error.
    pub fn add_owner(&mut self, frame: usize) -> Result<(), ShareError> {
        let entry = self.entry(frame)?;
        *entry = entry.checked_add(1).ok_or(ShareError::TooManyOwners { frame })?;
        Ok(())
    }

    /// Drops one owner of `frame`: [`Release::Last`] when it had one (the
    /// caller then frees it), otherwise how many remain. A frame outside
    /// the table has one owner.
    pub fn remove_owner(&mut self, frame: usize) -> Release {
        match self.extra.get_mut(frame) {
            Some(extra) if *extra > 0 => {
                *extra -= 1;
                Release::Shared(u32::from(*extra) + 1)
            }
            _ => Release::Last,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frame_bitmap::FrameBitmap;

    fn table(storage: &mut Vec<u16>, frames: usize) -> FrameShares<'_> {
        storage.resize(FrameShares::entries_needed(frames), 7);
        FrameShares::new(storage, frames).expect("storage sized by entries_needed")
    }

    #[test]
    fn a_new_table_has_single_owners() {
        let mut s = Vec::new();
        let t = table(&mut s, 10);
        assert!((0..10).all(|f| t.owners(f) == 1 && !t.is_shared(f)), "storage is cleared");
        assert_eq!(t.owners(10), 1, "frames outside count as one owner");
    }

    #[test]
    fn storage_too_small_is_an_error() {
        let mut s = [0u16; 3];
        assert_eq!(
            FrameShares::new(&mut s, 4).unwrap_err(),
            ShareError::StorageTooSmall { needed: 4, given: 3 }
        );
    }

    #[test]
    fn owners_come_and_go() {
        let mut s = Vec::new();
        let mut t = table(&mut s, 4);
        t.add_owner(2).unwrap();
        t.add_owner(2).unwrap();
        assert_eq!(t.owners(2), 3);
        assert!(t.is_shared(2));
        assert_eq!(t.remove_owner(2), Release::Shared(2));
        assert_eq!(t.remove_owner(2), Release::Shared(1));
        assert!(!t.is_shared(2));
        assert_eq!(t.remove_owner(2), Release::Last);
        assert_eq!(t.owners(2), 1, "the entry is back to zero for the next allocation");
        assert_eq!(t.remove_owner(9), Release::Last, "outside the table: one owner");
    }

    // 65 535 owners: seconds under Miri for nothing it would add.
    #[test]
    #[cfg_attr(miri, ignore)]
    fn errors_change_nothing() {
        let mut s = Vec::new();
        let mut t = table(&mut s, 2);
        assert_eq!(t.add_owner(2), Err(ShareError::OutOfRange { frame: 2 }));
        for _ in 0..u16::MAX {
            t.add_owner(1).unwrap();
        }
        assert_eq!(t.add_owner(1), Err(ShareError::TooManyOwners { frame: 1 }));
        assert_eq!(t.owners(1), u32::from(u16::MAX) + 1);
        assert_eq!(t.remove_owner(1), Release::Shared(u32::from(u16::MAX)));
    }

    /// The kernel's use: a frame goes back to the bitmap only with its
    /// last owner, and every frame is free again once every owner went.
    #[test]
    fn with_a_bitmap_frames_are_freed_by_the_last_owner_only() {
        let mut words = vec![0u64; FrameBitmap::words_needed(64)];
        let mut bitmap = FrameBitmap::new(&mut words, 64).unwrap();
        bitmap.release_range(0..64);
        let mut s = Vec::new();
        let mut t = table(&mut s, 64);
        let frames: Vec<usize> = (0..8).map(|_| bitmap.alloc().unwrap()).collect();
        // Three "address spaces": the first owns all, two more share the
        // even frames.
        let mut owners: Vec<Vec<usize>> = vec![frames.clone()];
        for _ in 0..2 {
            let shared: Vec<usize> = frames.iter().copied().filter(|f| f % 2 == 0).collect();
            for &f in &shared {
                t.add_owner(f).unwrap();
            }
            owners.push(shared);
        }
        let drop_one = |t: &mut FrameShares<'_>, bitmap: &mut FrameBitmap<'_>, f: usize| {
            if t.remove_owner(f) == Release::Last {
                bitmap.free(f).unwrap();
            }
        };
        for f in owners.remove(0) {
            drop_one(&mut t, &mut bitmap, f);
        }
        assert_eq!(bitmap.free_count(), 64 - 4, "only the unshared frames went back");
        for space in owners {
            for f in space {
                drop_one(&mut t, &mut bitmap, f);
            }
        }
        assert_eq!(bitmap.free_count(), 64);
        assert!((0..64).all(|f| !t.is_shared(f)));
    }
}
