//! The C program's memory as the adapter sees it: the buffers, strings
//! and structures a system call's arguments point to. A null pointer is
//! `EFAULT`; any other bad pointer faults the process, as a wild pointer
//! does in a C program (Linux would return `EFAULT` for some of them; the
//! status is the same `SIGSEGV`-like fault either way for the ones it
//! does not).
//!
//! Every `unsafe` dereference of a C pointer is here.

use alloc::string::String;
use core::mem::size_of;

use crate::errno::Errno;

/// Longest path a call takes, with its NUL (Linux's `PATH_MAX`).
pub const PATH_MAX: usize = 4096;

/// `len` bytes at `ptr`, to read.
pub fn bytes<'a>(ptr: u64, len: usize) -> Result<&'a [u8], Errno> {
    if len == 0 {
        return Ok(&[]);
    }
    if ptr == 0 {
        return Err(Errno::EFAULT);
    }
    // SAFETY: the C program passed `ptr..ptr+len` as a buffer it owns for
    // the call; a bad one faults the process (see the module docs).
    Ok(unsafe { core::slice::from_raw_parts(ptr as *const u8, len) })
}

/// `len` bytes at `ptr`, to write.
pub fn bytes_mut<'a>(ptr: u64, len: usize) -> Result<&'a mut [u8], Errno> {
    if len == 0 {
        return Ok(&mut []);
    }
    if ptr == 0 {
        return Err(Errno::EFAULT);
    }
    // SAFETY: as in `bytes`; the buffer is the call's output.
    Ok(unsafe { core::slice::from_raw_parts_mut(ptr as *mut u8, len) })
}

/// The NUL-terminated string at `ptr` (at most `max` bytes before the NUL,
/// else `ENAMETOOLONG`), as bytes without the NUL.
pub fn c_bytes<'a>(ptr: u64, max: usize) -> Result<&'a [u8], Errno> {
    if ptr == 0 {
        return Err(Errno::EFAULT);
    }
    let mut len = 0;
    // SAFETY: the C program passed a NUL-terminated string; the scan stops
    // at its NUL (or at `max`).
    while unsafe { *((ptr + len as u64) as *const u8) } != 0 {
        len += 1;
        if len >= max {
            return Err(Errno::ENAMETOOLONG);
        }
    }
    bytes(ptr, len)
}

/// A path argument: at most [`PATH_MAX`] bytes, UTF-8 (the file service's
/// names are text; other bytes are `EINVAL`).
pub fn path(ptr: u64) -> Result<String, Errno> {
    let raw = c_bytes(ptr, PATH_MAX)?;
    core::str::from_utf8(raw).map(String::from).map_err(|_| Errno::EINVAL)
}

/// Reads a `T` at `ptr`.
pub fn read<T: Copy>(ptr: u64) -> Result<T, Errno> {
    if ptr == 0 {
        return Err(Errno::EFAULT);
    }
    // SAFETY: the C program passed a pointer to a `T` (unaligned reads are
    // allowed).
    Ok(unsafe { core::ptr::read_unaligned(ptr as *const T) })
}

/// Writes `value` at `ptr`.
pub fn write<T: Copy>(ptr: u64, value: T) -> Result<(), Errno> {
    if ptr == 0 {
        return Err(Errno::EFAULT);
    }
    // SAFETY: the C program passed a pointer to room for a `T`.
    unsafe { core::ptr::write_unaligned(ptr as *mut T, value) };
    Ok(())
}

/// `count` `T`s at `ptr`, copied out (for `iovec` arrays and the like).
pub fn array<T: Copy>(ptr: u64, count: usize) -> Result<alloc::vec::Vec<T>, Errno> {
    (0..count).map(|i| read::<T>(ptr + (i * size_of::<T>()) as u64)).collect()
}

/// The 32-bit futex word at `ptr` (`EINVAL` unless 4-byte aligned).
pub fn futex_word(ptr: u64) -> Result<&'static core::sync::atomic::AtomicU32, Errno> {
    if ptr == 0 {
        return Err(Errno::EFAULT);
    }
    if !ptr.is_multiple_of(4) {
        return Err(Errno::EINVAL);
    }
    // SAFETY: the C program passed the address of a 32-bit word it shares
    // with its threads; atomics are how they all touch it.
    Ok(unsafe { &*(ptr as *const core::sync::atomic::AtomicU32) })
}
