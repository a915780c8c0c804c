//! A file's contents: chunks of at most [`CHUNK_SIZE`] bytes. A chunk
//! holds the bytes of its range up to the last one written (a chunk
//! written only near its start stays small, so a 5-byte file takes a few
//! bytes, not a whole chunk); everything else reads as zeros and takes no
//! memory: chunks never written (a gap left by writing past the end, or by
//! growing with `truncate`) and the tail of a partly written chunk. Growing
//! a file never copies what is already there beyond one chunk, so a 16 MiB
//! file needs 16 MiB plus a small chunk table, not a 32 MiB reallocation.
//!
//! Every allocation is fallible (`try_reserve`): running out of memory is
//! `OutOfMemory`, and a failed operation leaves the contents as they were.
//! The byte quota is the tree's business (see `Fs`); this type only stores.

use alloc::vec::Vec;
use capos_abi::error::CapError;

/// Most bytes per chunk.
pub const CHUNK_SIZE: usize = 16 * 1024;
const CHUNK: u64 = CHUNK_SIZE as u64;

fn oom<T>(_: T) -> CapError {
    CapError::OutOfMemory
}

/// Number of chunks that hold `len` bytes.
fn chunks_for(len: u64) -> Result<usize, CapError> {
    usize::try_from(len.div_ceil(CHUNK)).map_err(|_| CapError::NoSpace)
}

/// Grows `chunk` to `len` bytes (zeros), with capacity doubling up to a
/// whole chunk (so small appends do not copy the chunk each time).
fn grow(chunk: &mut Vec<u8>, len: usize) -> Result<(), CapError> {
    if len > chunk.capacity() {
        let want = len.max(chunk.capacity().saturating_mul(2).min(CHUNK_SIZE));
        chunk.try_reserve_exact(want - chunk.len()).map_err(oom)?;
    }
    if len > chunk.len() {
        chunk.resize(len, 0);
    }
    Ok(())
}

/// The contents of one file.
#[derive(Debug, Default)]
pub struct FileData {
    size: u64,
    /// `size.div_ceil(CHUNK_SIZE)` entries; `None` reads as zeros, and so
    /// do the bytes of a chunk past its length. No chunk holds bytes past
    /// `size`.
    chunks: Vec<Option<Vec<u8>>>,
}

impl FileData {
    /// Size in bytes.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Up to `count` bytes from `offset` (fewer at the end; none past it).
    pub fn read_at(&self, offset: u64, count: usize) -> Result<Vec<u8>, CapError> {
        let end = offset.saturating_add(count as u64).min(self.size);
        let len = end.saturating_sub(offset) as usize;
        let mut out = Vec::new();
        out.try_reserve_exact(len).map_err(oom)?;
        let mut pos = offset;
        while pos < end {
            let index = (pos / CHUNK) as usize;
            let within = (pos % CHUNK) as usize;
            let take = (CHUNK_SIZE - within).min((end - pos) as usize);
            let stored = self.chunks.get(index).and_then(Option::as_ref).map_or(&[][..], Vec::as_slice);
            let have = stored.get(within..).unwrap_or_default();
            let copy = have.len().min(take);
            out.extend_from_slice(&have[..copy]);
            out.resize(out.len() + (take - copy), 0);
            pos += take as u64;
        }
        Ok(out)
    }

    /// Writes `data` at `offset`, growing the file (with a zero gap) if it
    /// ends past the end. All or nothing. `InvalidArgument` if the end
    /// overflows.
    pub fn write_at(&mut self, offset: u64, data: &[u8]) -> Result<(), CapError> {
        if data.is_empty() {
            return Ok(());
        }
        let end = offset.checked_add(data.len() as u64).ok_or(CapError::InvalidArgument)?;
        let first = (offset / CHUNK) as usize;
        let last = chunks_for(end)?;
        // Allocate everything first, so a failure changes nothing visible
        // (at most some capacity is added).
        let new_len = self.chunks.len().max(last);
        self.chunks.try_reserve(new_len - self.chunks.len()).map_err(oom)?;
        let mut fresh = Vec::new();
        fresh.try_reserve(last - first).map_err(oom)?;
        for index in first..last {
            // The bytes of this chunk the write reaches.
            let chunk_end = ((end - index as u64 * CHUNK).min(CHUNK)) as usize;
            match self.chunks.get_mut(index) {
                Some(Some(chunk)) if chunk_end > chunk.capacity() => {
                    let want = chunk_end.max(chunk.capacity().saturating_mul(2).min(CHUNK_SIZE));
                    chunk.try_reserve_exact(want - chunk.len()).map_err(oom)?;
                }
                Some(Some(_)) => {}
                _ => {
                    let mut chunk = Vec::new();
                    chunk.try_reserve_exact(chunk_end).map_err(oom)?;
                    fresh.push((index, chunk));
                }
            }
        }
        self.chunks.resize(new_len, None);
        for (index, chunk) in fresh {
            self.chunks[index] = Some(chunk);
        }
        let mut pos = offset;
        let mut rest = data;
        while !rest.is_empty() {
            let index = (pos / CHUNK) as usize;
            let within = (pos % CHUNK) as usize;
            let take = (CHUNK_SIZE - within).min(rest.len());
            if let Some(Some(chunk)) = self.chunks.get_mut(index) {
                // Cannot fail: the capacity was reserved above.
                grow(chunk, within + take)?;
                chunk[within..within + take].copy_from_slice(&rest[..take]);
            }
            rest = &rest[take..];
            pos += take as u64;
        }
        self.size = self.size.max(end);
        Ok(())
    }

    /// Sets the size: shrinking drops the bytes past `len`; growing adds
    /// zeros (no memory until written).
    pub fn set_len(&mut self, len: u64) -> Result<(), CapError> {
        let count = chunks_for(len)?;
        if count > self.chunks.len() {
            self.chunks.try_reserve(count - self.chunks.len()).map_err(oom)?;
            self.chunks.resize(count, None);
        } else {
            self.chunks.truncate(count);
            self.chunks.shrink_to_fit();
            // No chunk holds bytes past the end (so a later growth reads
            // zeros there).
            let within = (len % CHUNK) as usize;
            if within != 0
                && let Some(Some(chunk)) = self.chunks.last_mut()
            {
                chunk.truncate(within);
            }
        }
        self.size = len;
        Ok(())
    }

    /// Bytes of memory the chunks hold (for tests and reports).
    pub fn allocated(&self) -> usize {
        self.chunks.iter().flatten().map(Vec::capacity).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::{CHUNK_SIZE, FileData};

    #[test]
    #[cfg_attr(miri, ignore = "slow under Miri; no unsafe code to check")]
    fn write_read_across_chunks() {
        let mut f = FileData::default();
        let data: Vec<u8> = (0..CHUNK_SIZE * 3).map(|i| (i % 251) as u8).collect();
        f.write_at(100, &data).unwrap();
        assert_eq!(f.size(), 100 + data.len() as u64);
        assert_eq!(f.read_at(100, data.len()).unwrap(), data);
        assert_eq!(f.read_at(0, 100).unwrap(), vec![0; 100]);
        assert!(f.read_at(f.size(), 10).unwrap().is_empty());
        assert!(f.read_at(u64::MAX, 10).unwrap().is_empty());
        assert_eq!(f.read_at(f.size() - 3, 10).unwrap().len(), 3);
    }

    #[test]
    fn sparse_gaps_take_no_memory() {
        let mut f = FileData::default();
        f.write_at(10 * CHUNK_SIZE as u64 + 100, b"x").unwrap();
        assert_eq!(f.allocated(), 101);
        assert_eq!(f.read_at(5 * CHUNK_SIZE as u64, 4).unwrap(), [0; 4]);
        f.set_len(100 * CHUNK_SIZE as u64).unwrap();
        assert_eq!(f.allocated(), 101);
        assert_eq!(f.read_at(10 * CHUNK_SIZE as u64 + 100, 2).unwrap(), [b'x', 0]);
    }

    #[test]
    fn shrink_then_grow_reads_zeros() {
        let mut f = FileData::default();
        f.write_at(0, &[7u8; 100]).unwrap();
        f.set_len(10).unwrap();
        f.set_len(100).unwrap();
        let back = f.read_at(0, 100).unwrap();
        assert_eq!(&back[..10], &[7; 10]);
        assert_eq!(&back[10..], &[0; 90]);
        f.set_len(0).unwrap();
        assert_eq!(f.allocated(), 0);
    }

    #[test]
    fn small_files_take_little_memory() {
        let mut f = FileData::default();
        f.write_at(0, b"tiny").unwrap();
        assert_eq!(f.allocated(), 4);
        // small appends grow the chunk geometrically, never past a chunk
        let piece: Vec<u8> = (0..64).collect();
        for i in 0..CHUNK_SIZE / 64 {
            f.write_at(4 + 64 * i as u64, &piece).unwrap();
        }
        assert!(f.allocated() <= 2 * CHUNK_SIZE, "{}", f.allocated());
        assert_eq!(f.read_at(4, 3).unwrap(), [0, 1, 2]);
        assert_eq!(f.size(), CHUNK_SIZE as u64 + 4);
    }

    #[test]
    fn partly_written_chunks_read_zeros_past_their_bytes() {
        let mut f = FileData::default();
        f.write_at(0, b"ab").unwrap();
        f.set_len(100).unwrap();
        let back = f.read_at(0, 100).unwrap();
        assert_eq!(&back[..2], b"ab");
        assert!(back[2..].iter().all(|&b| b == 0));
        f.write_at(50, b"c").unwrap();
        assert_eq!(f.read_at(49, 3).unwrap(), [0, b'c', 0]);
        assert_eq!(f.size(), 100);
    }

    #[test]
    fn overflowing_end_is_rejected() {
        let mut f = FileData::default();
        assert_eq!(f.write_at(u64::MAX, b"ab"), Err(capos_abi::error::CapError::InvalidArgument));
        assert_eq!(f.size(), 0);
    }
}
