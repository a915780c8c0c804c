//! Memory: `brk`, anonymous (and private file) `mmap`, `munmap`,
//! `mprotect`, `mremap`, `madvise`, over the `virtualMemory` cap.
//!
//! The break starts at the first page above the program image (`_end`)
//! and grows by mapping the pages right above it. Mappings are never both
//! writable and executable (capOS enforces W^X: `PROT_WRITE|PROT_EXEC`
//! is `EACCES`); `PROT_NONE` maps readable pages (there is no
//! no-access mapping yet). A private file mapping is a copy of the file
//! made at `mmap` time; a shared writable file mapping is `ENODEV`.

use capos_abi::error::CapError;
use capos_rt::Borrowed;
use capos_rt::client::VirtualMemory;
use capos_schema::MapRights;
use spin::Mutex;

use crate::errno::{Errno, SysResult};
use crate::fd::{self, Object};
use crate::musl;

const PAGE: u64 = 4096;

fn page_up(n: u64) -> Option<u64> {
    n.checked_add(PAGE - 1).map(|n| n & !(PAGE - 1))
}

/// The `virtualMemory` cap (`ENOMEM` without one: no memory can be added).
fn vm() -> Result<Borrowed<'static, VirtualMemory>, Errno> {
    capos_rt::entry::caps()
        .and_then(|caps| VirtualMemory::from_caps(&caps, "virtualMemory").ok())
        .ok_or(Errno::ENOMEM)
}

fn rights(prot: u64) -> Result<MapRights, Errno> {
    let write = prot & musl::PROT_WRITE as u64 != 0;
    let exec = prot & musl::PROT_EXEC as u64 != 0;
    if prot & !((musl::PROT_READ | musl::PROT_WRITE | musl::PROT_EXEC) as u64) != 0 {
        return Err(Errno::EINVAL);
    }
    match (write, exec) {
        (true, true) => Err(Errno::EACCES),
        (true, false) => Ok(MapRights::ReadWrite),
        (false, true) => Ok(MapRights::ReadExecute),
        (false, false) => Ok(MapRights::Read),
    }
}

fn map_error(e: CapError) -> Errno {
    match e {
        CapError::OutOfMemory | CapError::QuotaExceeded | CapError::NoSpace => Errno::ENOMEM,
        e => e.into(),
    }
}

/// The break: `(start, current)`; 0 until first used.
static BRK: Mutex<(u64, u64)> = Mutex::new((0, 0));

unsafe extern "C" {
    /// One past the program image's last byte (the linker defines it).
    static _end: u8;
}

/// `brk(address)`: the new break, or the old one when it cannot move.
pub fn brk(address: u64) -> SysResult {
    let mut state = BRK.lock();
    if state.0 == 0 {
        let end = &raw const _end as u64;
        let start = page_up(end).ok_or(Errno::ENOMEM)?;
        *state = (start, start);
    }
    let (start, current) = *state;
    if address < start {
        return Ok(current as i64);
    }
    let (Some(old_top), Some(new_top)) = (page_up(current), page_up(address)) else {
        return Ok(current as i64);
    };
    let Ok(vm) = vm() else { return Ok(current as i64) };
    if new_top > old_top {
        match vm.map(new_top - old_top, MapRights::ReadWrite, old_top) {
            Ok(at) if at == old_top => {}
            Ok(at) => {
                let _ = vm.unmap(at, new_top - old_top);
                return Ok(current as i64);
            }
            Err(_) => return Ok(current as i64),
        }
    } else if new_top < old_top && vm.unmap(new_top, old_top - new_top).is_err() {
        return Ok(current as i64);
    }
    state.1 = address;
    Ok(address as i64)
}

/// `mmap(address, length, prot, flags, fd, offset)`.
pub fn mmap(address: u64, length: u64, prot: u64, flags: u64, fd: i64, offset: u64) -> SysResult {
    let flags = flags as i32;
    let kind = flags & (musl::MAP_SHARED | musl::MAP_PRIVATE | musl::MAP_SHARED_VALIDATE);
    if length == 0 || !(kind == musl::MAP_SHARED || kind == musl::MAP_PRIVATE) || !offset.is_multiple_of(PAGE)
    {
        return Err(Errno::EINVAL);
    }
    let size = page_up(length).ok_or(Errno::ENOMEM)?;
    let wanted = rights(prot)?;
    let fixed = flags & (musl::MAP_FIXED | musl::MAP_FIXED_NOREPLACE) != 0;
    if fixed && !address.is_multiple_of(PAGE) {
        return Err(Errno::EINVAL);
    }
    let vm = vm()?;
    let anonymous = flags & musl::MAP_ANONYMOUS != 0;
    let file = if anonymous {
        None
    } else {
        let d = fd::get(fd)?;
        if !d.readable() {
            return Err(Errno::EACCES);
        }
        if kind == musl::MAP_SHARED && wanted == MapRights::ReadWrite {
            return Err(Errno::ENODEV);
        }
        match &d.object {
            Object::File(_) => Some(d),
            Object::Zero => None,
            _ => return Err(Errno::ENODEV),
        }
    };
    if flags & musl::MAP_FIXED != 0 {
        // MAP_FIXED replaces what was there.
        let _ = vm.unmap(address, size);
    }
    let hint = if fixed { address } else { 0 };
    let first = if file.is_some() { MapRights::ReadWrite } else { wanted };
    let at = vm.map(size, first, hint).map_err(|e| match e {
        CapError::AlreadyExists if flags & musl::MAP_FIXED_NOREPLACE != 0 => Errno::EEXIST,
        e => map_error(e),
    })?;
    if fixed && at != address {
        let _ = vm.unmap(at, size);
        return Err(Errno::ENOMEM);
    }
    if let Some(d) = file
        && let Object::File(f) = &d.object
    {
        let out = crate::user::bytes_mut(at, length as usize)?;
        let mut done = 0usize;
        while done < out.len() {
            let ask = (out.len() - done).min(capos_rt::fs::MAX_IO);
            let n = match f.file.pread_into(offset + done as u64, &mut out[done..done + ask]) {
                Ok(n) => n,
                Err(e) => {
                    let _ = vm.unmap(at, size);
                    return Err(e.into());
                }
            };
            done += n;
            if n < ask {
                break;
            }
        }
        if wanted != MapRights::ReadWrite {
            vm.protect(at, size, wanted)?;
        }
    }
    Ok(at as i64)
}

/// `munmap(address, length)`.
pub fn munmap(address: u64, length: u64) -> SysResult {
    if !address.is_multiple_of(PAGE) || length == 0 {
        return Err(Errno::EINVAL);
    }
    let size = page_up(length).ok_or(Errno::EINVAL)?;
    vm()?.unmap(address, size).map_err(|e| match e {
        CapError::NotFound => Errno::EINVAL,
        e => e.into(),
    })?;
    Ok(0)
}

/// `mprotect(address, length, prot)`.
pub fn mprotect(address: u64, length: u64, prot: u64) -> SysResult {
    if !address.is_multiple_of(PAGE) {
        return Err(Errno::EINVAL);
    }
    if length == 0 {
        return Ok(0);
    }
    let size = page_up(length).ok_or(Errno::ENOMEM)?;
    vm()?.protect(address, size, rights(prot)?).map_err(|e| match e {
        CapError::NotFound | CapError::InvalidArgument => Errno::ENOMEM,
        e => e.into(),
    })?;
    Ok(0)
}

/// `mremap(old, old_size, new_size, flags, new_address)`: shrinks in
/// place; grows in place when the pages above are free, else moves
/// (with `MREMAP_MAYMOVE`) to new read-write pages.
pub fn mremap(old: u64, old_size: u64, new_size: u64, flags: u64) -> SysResult {
    let flags = flags as i32;
    if !old.is_multiple_of(PAGE) || new_size == 0 || flags & !(musl::MREMAP_MAYMOVE) != 0 {
        return Err(Errno::EINVAL);
    }
    let (Some(old_top), Some(new_len)) = (page_up(old_size), page_up(new_size)) else {
        return Err(Errno::EINVAL);
    };
    let vm = vm()?;
    if new_len <= old_top {
        if new_len < old_top {
            vm.unmap(old + new_len, old_top - new_len)?;
        }
        return Ok(old as i64);
    }
    let grow = new_len - old_top;
    if let Ok(at) = vm.map(grow, MapRights::ReadWrite, old + old_top) {
        if at == old + old_top {
            return Ok(old as i64);
        }
        let _ = vm.unmap(at, grow);
    }
    if flags & musl::MREMAP_MAYMOVE == 0 {
        return Err(Errno::ENOMEM);
    }
    let at = vm.map(new_len, MapRights::ReadWrite, 0).map_err(map_error)?;
    let from = crate::user::bytes(old, old_size as usize)?;
    crate::user::bytes_mut(at, old_size as usize)?.copy_from_slice(from);
    let _ = vm.unmap(old, old_top);
    Ok(at as i64)
}

/// `madvise(address, length, advice)`: `MADV_DONTNEED` zeroes the range
/// (what Linux's private anonymous pages then read as); other advice is
/// a hint and changes nothing.
pub fn madvise(address: u64, length: u64, advice: u64) -> SysResult {
    const MADV_DONTNEED: u64 = 4;
    if !address.is_multiple_of(PAGE) {
        return Err(Errno::EINVAL);
    }
    if advice == MADV_DONTNEED {
        crate::user::bytes_mut(address, length as usize)?.fill(0);
    }
    Ok(0)
}
