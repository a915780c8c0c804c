//! The guest's linear memory as a WASI function sees it: every pointer and
//! length the module passes is checked here before a byte is read or
//! written; one outside memory is `EFAULT`, never a host fault.

use alloc::vec::Vec;

use crate::errno::{Errno, WasiResult};

/// The module's linear memory, borrowed for one WASI call.
pub struct Guest<'a> {
    memory: &'a mut [u8],
}

/// One `iovec`/`ciovec` of the guest: where its bytes are and how many.
#[derive(Debug, Clone, Copy)]
pub struct IoVec {
    /// Guest address.
    pub address: u32,
    /// Length in bytes.
    pub length: u32,
}

impl<'a> Guest<'a> {
    /// The memory `memory`.
    pub fn new(memory: &'a mut [u8]) -> Self {
        Self { memory }
    }

    fn range(&self, address: u32, length: u32) -> WasiResult<core::ops::Range<usize>> {
        let start = address as usize;
        let end = start.checked_add(length as usize).ok_or(Errno::FAULT)?;
        if end > self.memory.len() {
            return Err(Errno::FAULT);
        }
        Ok(start..end)
    }

    /// `length` bytes at `address`.
    pub fn bytes(&self, address: u32, length: u32) -> WasiResult<&[u8]> {
        let range = self.range(address, length)?;
        Ok(&self.memory[range])
    }

    /// `length` bytes at `address`, to write.
    pub fn bytes_mut(&mut self, address: u32, length: u32) -> WasiResult<&mut [u8]> {
        let range = self.range(address, length)?;
        Ok(&mut self.memory[range])
    }

    /// Copies `data` to `address`.
    pub fn write(&mut self, address: u32, data: &[u8]) -> WasiResult {
        let length = u32::try_from(data.len()).map_err(|_| Errno::FAULT)?;
        self.bytes_mut(address, length)?.copy_from_slice(data);
        Ok(())
    }

    /// A UTF-8 string of `length` bytes at `address` (`EILSEQ` when it is
    /// not UTF-8: capOS paths are strings).
    pub fn str(&self, address: u32, length: u32) -> WasiResult<&str> {
        core::str::from_utf8(self.bytes(address, length)?).map_err(|_| Errno::ILSEQ)
    }

    /// The little-endian `u16` at `address`.
    pub fn u16(&self, address: u32) -> WasiResult<u16> {
        let b = self.bytes(address, 2)?;
        Ok(u16::from_le_bytes([b[0], b[1]]))
    }

    /// The little-endian `u32` at `address`.
    pub fn u32(&self, address: u32) -> WasiResult<u32> {
        let mut v = [0; 4];
        v.copy_from_slice(self.bytes(address, 4)?);
        Ok(u32::from_le_bytes(v))
    }

    /// The little-endian `u64` at `address`.
    pub fn u64(&self, address: u32) -> WasiResult<u64> {
        let mut v = [0; 8];
        v.copy_from_slice(self.bytes(address, 8)?);
        Ok(u64::from_le_bytes(v))
    }

    /// Stores `value` at `address`.
    pub fn put_u8(&mut self, address: u32, value: u8) -> WasiResult {
        self.write(address, &[value])
    }

    /// Stores `value` at `address`, little-endian.
    pub fn put_u16(&mut self, address: u32, value: u16) -> WasiResult {
        self.write(address, &value.to_le_bytes())
    }

    /// Stores `value` at `address`, little-endian.
    pub fn put_u32(&mut self, address: u32, value: u32) -> WasiResult {
        self.write(address, &value.to_le_bytes())
    }

    /// Stores `value` at `address`, little-endian.
    pub fn put_u64(&mut self, address: u32, value: u64) -> WasiResult {
        self.write(address, &value.to_le_bytes())
    }

    /// The `count` iovecs at `address` (8 bytes each), each checked to lie
    /// inside memory.
    pub fn iovecs(&self, address: u32, count: u32) -> WasiResult<Vec<IoVec>> {
        let size = count.checked_mul(8).ok_or(Errno::FAULT)?;
        self.bytes(address, size)?;
        let mut out = Vec::with_capacity(count as usize);
        for i in 0..count {
            let v = IoVec { address: self.u32(address + i * 8)?, length: self.u32(address + i * 8 + 4)? };
            self.range(v.address, v.length)?;
            out.push(v);
        }
        Ok(out)
    }

    /// The bytes of `iovecs`, gathered in order, at most `limit` of them
    /// (iovecs may alias, so their total is not bounded by memory).
    pub fn gather(&self, iovecs: &[IoVec], limit: usize) -> WasiResult<Vec<u8>> {
        let mut out = Vec::new();
        for v in iovecs {
            let take = (v.length as usize).min(limit - out.len());
            out.extend_from_slice(self.bytes(v.address, take as u32)?);
            if out.len() == limit {
                break;
            }
        }
        Ok(out)
    }

    /// Scatters `data` into `iovecs` in order; returns how many bytes were
    /// placed (all of `data`, when the iovecs hold that much).
    pub fn scatter(&mut self, iovecs: &[IoVec], data: &[u8]) -> WasiResult<usize> {
        let mut done = 0;
        for v in iovecs {
            if done == data.len() {
                break;
            }
            let n = (v.length as usize).min(data.len() - done);
            self.bytes_mut(v.address, n as u32)?.copy_from_slice(&data[done..done + n]);
            done += n;
        }
        Ok(done)
    }
}

/// Total length of `iovecs` (saturating: a module may claim more than
/// memory holds only across iovecs that alias).
pub fn total_length(iovecs: &[IoVec]) -> usize {
    iovecs.iter().fold(0usize, |sum, v| sum.saturating_add(v.length as usize))
}
