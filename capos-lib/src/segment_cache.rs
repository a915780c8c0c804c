//! The bookkeeping of the kernel's cache of read-only program segments
//! (`kernel/src/mem/image_cache.rs`): which segment contents are held, in
//! which frames, and which to drop when the cache is full.
//!
//! Linux maps a program's text from the page cache, so its second `exec`
//! copies nothing; capOS gets the image's bytes from the caller and used
//! to copy every segment into fresh frames each time. The kernel now keeps
//! the frames of recent non-writable segments and maps them again, shared,
//! into the next address space whose segment has the same contents. Under
//! QEMU's TCG the copy was the smaller cost: writing a frame that held
//! translated code makes QEMU throw that code away, and running the new
//! copy translates it again.
//!
//! A [`SegmentKey`] names a segment by where it goes and a hash of its
//! bytes; the kernel compares the bytes themselves before it trusts a hit
//! (the hash only finds the candidate). The cache is bounded by a number
//! of frames; the least recently used entries go first. It never frees a
//! frame itself: [`SegmentCache::insert`] and [`SegmentCache::clear`]
//! return the entries they drop, for the caller to release outside its
//! lock. Every allocation is fallible.

use alloc::vec::Vec;

/// What identifies a segment's contents: its first page, its size in
/// memory, its size in the file, its access, and a hash of its file bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SegmentKey {
    /// Page-aligned address of the segment's first page.
    pub page: u64,
    /// The segment's start address (its offset in the first page matters).
    pub vaddr: u64,
    /// Bytes in memory.
    pub mem_size: u64,
    /// Bytes from the file (the rest is zero).
    pub file_size: u64,
    /// Executable (else read-only).
    pub execute: bool,
    /// [`hash`] of the file bytes.
    pub hash: u64,
}

/// A cached segment: its key and its frames (one per page, in order).
#[derive(Debug)]
pub struct Entry<F> {
    /// What it holds.
    pub key: SegmentKey,
    /// Its frames.
    pub frames: Vec<F>,
    /// When it was last used (a counter of the cache).
    used: u64,
}

/// The cache: at most `capacity` frames in all.
#[derive(Debug)]
pub struct SegmentCache<F> {
    entries: Vec<Entry<F>>,
    capacity: usize,
    held: usize,
    clock: u64,
}

/// FNV-1a over the bytes taken eight at a time (a fast lookup key, not a
/// check: a hit is compared byte for byte).
pub fn hash(bytes: &[u8]) -> u64 {
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    let mut h: u64 = 0xcbf2_9ce4_8422_2325 ^ bytes.len() as u64;
    let mut words = bytes.chunks_exact(8);
    for word in &mut words {
        let mut w = [0u8; 8];
        w.copy_from_slice(word);
        h = (h ^ u64::from_le_bytes(w)).wrapping_mul(PRIME);
    }
    for &b in words.remainder() {
        h = (h ^ u64::from(b)).wrapping_mul(PRIME);
    }
    h
}

impl<F> SegmentCache<F> {
    /// An empty cache of at most `capacity` frames.
    pub const fn new(capacity: usize) -> Self {
        Self { entries: Vec::new(), capacity, held: 0, clock: 0 }
    }

    /// Frames held by every entry.
    pub fn frames_held(&self) -> usize {
        self.held
    }

    /// Entries held.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether it holds nothing.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The frames of the entry with `key`, marked as just used.
    pub fn lookup(&mut self, key: &SegmentKey) -> Option<&[F]> {
        self.clock += 1;
        let clock = self.clock;
        let entry = self.entries.iter_mut().find(|e| e.key == *key)?;
        entry.used = clock;
        Some(&entry.frames)
    }

    /// Adds `frames` under `key`, dropping the least recently used entries
    /// (and any entry with the same key) to make room. Returns the entries
    /// dropped; `Err(frames)` (nothing changed) if the segment alone is
    /// larger than the cache, or the list of entries cannot grow.
    pub fn insert(&mut self, key: SegmentKey, frames: Vec<F>) -> Result<Vec<Entry<F>>, Vec<F>> {
        if frames.len() > self.capacity || frames.is_empty() {
            return Err(frames);
        }
        let mut dropped = Vec::new();
        if dropped.try_reserve(self.entries.len() + 1).is_err() || self.entries.try_reserve(1).is_err() {
            return Err(frames);
        }
        if let Some(i) = self.entries.iter().position(|e| e.key == key) {
            dropped.push(self.remove(i));
        }
        while self.held + frames.len() > self.capacity {
            let Some(oldest) = self.entries.iter().enumerate().min_by_key(|(_, e)| e.used).map(|(i, _)| i)
            else {
                break;
            };
            dropped.push(self.remove(oldest));
        }
        self.clock += 1;
        self.held += frames.len();
        self.entries.push(Entry { key, frames, used: self.clock });
        Ok(dropped)
    }

    /// Drops every entry; returns them.
    pub fn clear(&mut self) -> Vec<Entry<F>> {
        self.held = 0;
        core::mem::take(&mut self.entries)
    }

    fn remove(&mut self, index: usize) -> Entry<F> {
        let entry = self.entries.swap_remove(index);
        self.held -= entry.frames.len();
        entry
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(page: u64, hash: u64) -> SegmentKey {
        SegmentKey { page, vaddr: page, mem_size: 4096, file_size: 4096, execute: true, hash }
    }

    #[test]
    fn a_hit_needs_the_whole_key() {
        let mut cache = SegmentCache::new(10);
        assert!(cache.insert(key(0x1000, 7), vec![1, 2]).unwrap().is_empty());
        assert_eq!(cache.lookup(&key(0x1000, 7)), Some(&[1, 2][..]));
        assert_eq!(cache.lookup(&key(0x1000, 8)), None);
        assert_eq!(cache.lookup(&key(0x2000, 7)), None);
        let mut other = key(0x1000, 7);
        other.execute = false;
        assert_eq!(cache.lookup(&other), None);
        other = key(0x1000, 7);
        other.vaddr += 16;
        assert_eq!(cache.lookup(&other), None);
    }

    #[test]
    fn the_least_recently_used_go_first_and_the_bound_holds() {
        let mut cache = SegmentCache::new(5);
        cache.insert(key(0x1000, 1), vec![1, 1]).unwrap();
        cache.insert(key(0x2000, 2), vec![2, 2]).unwrap();
        assert!(cache.lookup(&key(0x1000, 1)).is_some());
        let dropped = cache.insert(key(0x3000, 3), vec![3, 3]).unwrap();
        assert_eq!(dropped.len(), 1);
        assert_eq!(dropped[0].key, key(0x2000, 2));
        assert_eq!(dropped[0].frames, vec![2, 2]);
        assert_eq!(cache.frames_held(), 4);
        assert!(cache.lookup(&key(0x2000, 2)).is_none());
        assert!(cache.lookup(&key(0x1000, 1)).is_some());
        // Larger than the whole cache: refused, nothing dropped.
        assert_eq!(cache.insert(key(0x4000, 4), vec![4; 6]).unwrap_err(), vec![4; 6]);
        assert_eq!(cache.len(), 2);
        // Exactly the whole cache: everything else goes.
        let dropped = cache.insert(key(0x5000, 5), vec![5; 5]).unwrap();
        assert_eq!(dropped.len(), 2);
        assert_eq!(cache.frames_held(), 5);
    }

    #[test]
    fn a_key_inserted_again_replaces_its_entry() {
        let mut cache = SegmentCache::new(8);
        cache.insert(key(0x1000, 1), vec![1]).unwrap();
        let dropped = cache.insert(key(0x1000, 1), vec![9, 9]).unwrap();
        assert_eq!(dropped.len(), 1);
        assert_eq!(dropped[0].frames, vec![1]);
        assert_eq!(cache.lookup(&key(0x1000, 1)), Some(&[9, 9][..]));
        assert_eq!(cache.frames_held(), 2);
    }

    #[test]
    fn empty_segments_are_not_kept_and_clear_gives_everything_back() {
        let mut cache: SegmentCache<u32> = SegmentCache::new(8);
        assert!(cache.insert(key(0x1000, 1), vec![]).is_err());
        cache.insert(key(0x1000, 1), vec![1, 2]).unwrap();
        cache.insert(key(0x2000, 2), vec![3]).unwrap();
        let all = cache.clear();
        assert_eq!(all.iter().map(|e| e.frames.len()).sum::<usize>(), 3);
        assert!(cache.is_empty());
        assert_eq!(cache.frames_held(), 0);
    }

    #[test]
    fn the_hash_sees_every_byte_and_the_length() {
        let a = [1u8; 37];
        let mut b = a;
        b[36] = 2;
        assert_ne!(hash(&a), hash(&b));
        b = a;
        b[3] = 0;
        assert_ne!(hash(&a), hash(&b));
        assert_ne!(hash(&[0u8; 8]), hash(&[0u8; 16]));
    }
}
