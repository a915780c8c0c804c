//! libcapos: C access to capOS's native capabilities, the functions of
//! `include/capos/capos.h` — the caps the spawner gave by name, raw ring
//! calls, and typed helpers for Console, Timer, WallClock, EntropySource
//! and VirtualMemory.
//!
//! It is linked into `libcapos_posix.a` (the POSIX adapter depends on it),
//! so a C program has one copy of `capos-rt` — one ring, one heap — for
//! both its POSIX calls and its capability calls. Errors follow POSIX: -1
//! with `errno` set (through musl's `__errno_location`), and the capOS
//! error code kept for `capos_last_error`.
#![no_std]
// These are C entry points: their pointer arguments' contract is
// `capos.h`'s, as for any C library function; each dereference is in an
// `unsafe` block that says so.
#![allow(clippy::not_unsafe_ptr_arg_deref)]

extern crate alloc;

use alloc::vec::Vec;
use core::ffi::{c_char, c_int, c_long};
use core::sync::atomic::{AtomicI32, Ordering};

use capos_abi::error::CapError;
use capos_config::ring::{Opcode, Sqe};
use capos_rt::client::{Console, EntropySource, Timer, VirtualMemory, WallClock};
use capos_rt::handle::Borrowed;
use capos_schema::MapRights;

unsafe extern "C" {
    /// musl's per-thread `errno`.
    fn __errno_location() -> *mut c_int;
}

/// The last capOS error of a libcapos call (process-wide: capOS threads
/// have no thread-local storage of the runtime's own yet).
static LAST_ERROR: AtomicI32 = AtomicI32::new(0);

// errno values (Linux's, as musl's headers define them).
const ENOENT: c_int = 2;
const EBADF: c_int = 9;
const EFAULT: c_int = 14;
const EINVAL: c_int = 22;
const ENOSYS: c_int = 38;
const ELOOP: c_int = 40;
const EPROTOTYPE: c_int = 91;
const ENOMEM: c_int = 12;
const EAGAIN: c_int = 11;
const EIO: c_int = 5;
const EACCES: c_int = 13;
const EINTR: c_int = 4;
const ETIMEDOUT: c_int = 110;
const EPIPE: c_int = 32;
const E2BIG: c_int = 7;

fn set_errno(e: c_int) {
    // SAFETY: musl's `__errno_location` returns the calling thread's errno.
    unsafe { *__errno_location() = e };
}

/// Fails with `errno` `e` (no capOS error).
fn fail_errno(e: c_int) -> c_int {
    LAST_ERROR.store(0, Ordering::Relaxed);
    set_errno(e);
    -1
}

/// Fails with capOS error `e`.
fn fail(e: CapError) -> c_int {
    LAST_ERROR.store(e as i32, Ordering::Relaxed);
    set_errno(match e {
        CapError::NotFound => ENOENT,
        CapError::InvalidCap | CapError::StaleCap | CapError::Revoked => EBADF,
        CapError::WrongInterface => EPROTOTYPE,
        CapError::BadAddress => EFAULT,
        CapError::UnknownMethod | CapError::UnknownOpcode | CapError::Unsupported => ENOSYS,
        CapError::OutOfMemory => ENOMEM,
        CapError::QuotaExceeded | CapError::WouldBlock => EAGAIN,
        CapError::PermissionDenied | CapError::ReadOnly | CapError::NotTransferable => EACCES,
        CapError::Interrupted | CapError::Cancelled => EINTR,
        CapError::TooManyLinks => ELOOP,
        CapError::TimedOut => ETIMEDOUT,
        CapError::PeerDied => EPIPE,
        CapError::TooLarge | CapError::ResultTooSmall => E2BIG,
        CapError::InvalidArgument | CapError::InvalidFlags | CapError::ReservedNotZero => EINVAL,
        _ => EIO,
    });
    -1
}

fn done(result: Result<(), CapError>) -> c_int {
    match result {
        Ok(()) => 0,
        Err(e) => fail(e),
    }
}

/// A NUL-terminated C string as `&str` (`None` for NULL or non-UTF-8).
fn c_str<'a>(s: *const c_char) -> Option<&'a str> {
    if s.is_null() {
        return None;
    }
    // SAFETY: the caller passed a NUL-terminated string (capos.h's contract).
    let bytes = unsafe { core::ffi::CStr::from_ptr(s) }.to_bytes();
    core::str::from_utf8(bytes).ok()
}

fn out<T>(ptr: *mut T, value: T) {
    if !ptr.is_null() {
        // SAFETY: the caller passed room for a `T` (or NULL, skipped).
        unsafe { ptr.write_unaligned(value) };
    }
}

/// `capos_cap_lookup(name, interface_id, &cap)`.
#[unsafe(no_mangle)]
pub extern "C" fn capos_cap_lookup(name: *const c_char, interface_id: u64, cap: *mut u32) -> c_int {
    let Some(name) = c_str(name) else { return fail_errno(EFAULT) };
    let Some(caps) = capos_rt::entry::caps() else { return fail_errno(ENOSYS) };
    let Some(entry) = caps.entry(name) else { return fail_errno(ENOENT) };
    if interface_id != 0 && entry.interface_id != interface_id {
        return fail(CapError::WrongInterface);
    }
    out(cap, entry.cap_id);
    0
}

/// `capos_cap_count()`.
#[unsafe(no_mangle)]
pub extern "C" fn capos_cap_count() -> c_int {
    capos_rt::entry::caps().map_or(0, |caps| caps.iter().count() as c_int)
}

/// `capos_cap_entry(index, name, name_size, &interface_id, &cap)`.
#[unsafe(no_mangle)]
pub extern "C" fn capos_cap_entry(
    index: c_int,
    name: *mut c_char,
    name_size: usize,
    interface_id: *mut u64,
    cap: *mut u32,
) -> c_int {
    let Some(caps) = capos_rt::entry::caps() else { return fail_errno(ENOSYS) };
    let Some(entry) = usize::try_from(index).ok().and_then(|i| caps.iter().nth(i)) else {
        return fail_errno(EINVAL);
    };
    if !name.is_null() && name_size > 0 {
        let n = entry.name.len().min(name_size - 1);
        // SAFETY: the caller passed `name_size` bytes at `name`.
        unsafe {
            core::ptr::copy_nonoverlapping(entry.name.as_ptr(), name.cast::<u8>(), n);
            name.add(n).write(0);
        }
    }
    out(interface_id, entry.interface_id);
    out(cap, entry.cap_id);
    0
}

/// `capos_cap_release(cap)`.
#[unsafe(no_mangle)]
pub extern "C" fn capos_cap_release(cap: u32) -> c_int {
    done(capos_rt::call::release(cap))
}

/// `capos_call(cap, interface_id, method, params, params_size, result,
/// result_size)`.
#[unsafe(no_mangle)]
pub extern "C" fn capos_call(
    cap: u32,
    interface_id: u64,
    method: u16,
    params: *const u8,
    params_size: usize,
    result: *mut u8,
    result_size: usize,
) -> c_long {
    if (params.is_null() && params_size > 0) || (result.is_null() && result_size > 0) {
        return fail_errno(EFAULT) as c_long;
    }
    let (Ok(params_len), Ok(result_len)) = (u32::try_from(params_size), u32::try_from(result_size)) else {
        return fail(CapError::TooLarge) as c_long;
    };
    let _ = params_len;
    let bytes: Vec<u8> = if params_size == 0 {
        Vec::new()
    } else {
        // SAFETY: the caller passed `params_size` bytes at `params`.
        unsafe { core::slice::from_raw_parts(params, params_size) }.to_vec()
    };
    let sqe = Sqe { opcode: Opcode::Call as u8, cap, interface_id, method, ..Sqe::default() };
    let completion =
        match capos_rt::call::submit_sqe(sqe, bytes, &[], result_len, 0).and_then(|p| p.wait_raw()) {
            Ok(c) => c,
            Err(e) => return fail(e) as c_long,
        };
    let n = completion.bytes.len().min(result_size);
    if n > 0 {
        // SAFETY: the caller passed `result_size` bytes at `result`.
        unsafe { core::ptr::copy_nonoverlapping(completion.bytes.as_ptr(), result, n) };
    }
    n as c_long
}

/// `capos_console_write(console, bytes, size)`.
#[unsafe(no_mangle)]
pub extern "C" fn capos_console_write(console: u32, bytes: *const u8, size: usize) -> c_int {
    if bytes.is_null() && size > 0 {
        return fail_errno(EFAULT);
    }
    let data = if size == 0 {
        &[][..]
    } else {
        // SAFETY: the caller passed `size` bytes at `bytes`.
        unsafe { core::slice::from_raw_parts(bytes, size) }
    };
    done(Borrowed::<Console>::from_id(console).write_bytes(data))
}

/// `capos_timer_now(timer, &ns)`.
#[unsafe(no_mangle)]
pub extern "C" fn capos_timer_now(timer: u32, ns: *mut u64) -> c_int {
    match Borrowed::<Timer>::from_id(timer).now() {
        Ok(now) => {
            out(ns, now);
            0
        }
        Err(e) => fail(e),
    }
}

/// `capos_timer_sleep(timer, ns)`.
#[unsafe(no_mangle)]
pub extern "C" fn capos_timer_sleep(timer: u32, ns: u64) -> c_int {
    done(Borrowed::<Timer>::from_id(timer).sleep(ns))
}

/// `capos_wall_clock_now(wall_clock, &seconds, &nanoseconds)`.
#[unsafe(no_mangle)]
pub extern "C" fn capos_wall_clock_now(clock: u32, seconds: *mut i64, nanoseconds: *mut u32) -> c_int {
    match Borrowed::<WallClock>::from_id(clock).now() {
        Ok(t) => {
            out(seconds, t.seconds);
            out(nanoseconds, t.nanos);
            0
        }
        Err(e) => fail(e),
    }
}

/// `capos_entropy_get(entropy, buffer, size)`.
#[unsafe(no_mangle)]
pub extern "C" fn capos_entropy_get(entropy: u32, buffer: *mut u8, size: usize) -> c_int {
    if buffer.is_null() && size > 0 {
        return fail_errno(EFAULT);
    }
    let source = Borrowed::<EntropySource>::from_id(entropy);
    let mut filled = 0;
    while filled < size {
        let n = (size - filled).min(4096);
        match source.get_bytes(n as u32) {
            Ok(bytes) if bytes.len() == n => {
                // SAFETY: the caller passed `size` bytes at `buffer`.
                unsafe { core::ptr::copy_nonoverlapping(bytes.as_ptr(), buffer.add(filled), n) };
                filled += n;
            }
            Ok(_) => return fail(CapError::MalformedParams),
            Err(e) => return fail(e),
        }
    }
    0
}

fn rights(r: c_int) -> Option<MapRights> {
    match r {
        0 => Some(MapRights::Read),
        1 => Some(MapRights::ReadWrite),
        2 => Some(MapRights::ReadExecute),
        _ => None,
    }
}

/// `capos_vm_map(vm, size, rights, hint, &address)`.
#[unsafe(no_mangle)]
pub extern "C" fn capos_vm_map(vm: u32, size: u64, r: c_int, hint: u64, address: *mut u64) -> c_int {
    let Some(r) = rights(r) else { return fail_errno(EINVAL) };
    match Borrowed::<VirtualMemory>::from_id(vm).map(size, r, hint) {
        Ok(at) => {
            out(address, at);
            0
        }
        Err(e) => fail(e),
    }
}

/// `capos_vm_unmap(vm, address, size)`.
#[unsafe(no_mangle)]
pub extern "C" fn capos_vm_unmap(vm: u32, address: u64, size: u64) -> c_int {
    done(Borrowed::<VirtualMemory>::from_id(vm).unmap(address, size))
}

/// `capos_vm_protect(vm, address, size, rights)`.
#[unsafe(no_mangle)]
pub extern "C" fn capos_vm_protect(vm: u32, address: u64, size: u64, r: c_int) -> c_int {
    let Some(r) = rights(r) else { return fail_errno(EINVAL) };
    done(Borrowed::<VirtualMemory>::from_id(vm).protect(address, size, r))
}

/// `capos_profile_reset()`: zeroes the kernel's profile counters
/// (`capos_abi::profile`); -1 with `ENOSYS` from a kernel built without
/// them.
#[unsafe(no_mangle)]
pub extern "C" fn capos_profile_reset() -> c_int {
    if capos_rt::syscall::profile_reset() { 0 } else { fail_errno(ENOSYS) }
}

/// `capos_profile_read(values, count)`: copies up to `count` counters, in
/// `capos_abi::profile::COUNTERS` order; how many, or -1 with `ENOSYS`.
#[unsafe(no_mangle)]
pub extern "C" fn capos_profile_read(values: *mut u64, count: usize) -> c_int {
    if values.is_null() {
        return fail_errno(EFAULT);
    }
    let mut read = [0u64; capos_abi::profile::COUNTERS.len()];
    let n = count.min(read.len());
    let Some(got) = capos_rt::syscall::profile_read(&mut read[..n]) else { return fail_errno(ENOSYS) };
    let got = got.min(n);
    // SAFETY: the caller gives `count` writable u64s at `values` (capos.h);
    // `got <= count`.
    unsafe { core::ptr::copy_nonoverlapping(read.as_ptr(), values, got) };
    c_int::try_from(got).unwrap_or(c_int::MAX)
}

/// `capos_profile_name(index, name, size)`: the counter's name,
/// NUL-terminated and cut to fit `size`; its length, or -1 with `EINVAL`
/// past the last counter.
#[unsafe(no_mangle)]
pub extern "C" fn capos_profile_name(index: c_int, name: *mut c_char, size: usize) -> c_int {
    let Some((_, text)) = usize::try_from(index).ok().and_then(|i| capos_abi::profile::COUNTERS.get(i))
    else {
        return fail_errno(EINVAL);
    };
    if name.is_null() || size == 0 {
        return fail_errno(EFAULT);
    }
    let n = text.len().min(size - 1);
    // SAFETY: the caller gives `size` writable bytes at `name` (capos.h);
    // `n + 1 <= size`.
    unsafe {
        core::ptr::copy_nonoverlapping(text.as_ptr().cast::<c_char>(), name, n);
        *name.add(n) = 0;
    }
    c_int::try_from(text.len()).unwrap_or(c_int::MAX)
}

/// `capos_last_error()`.
#[unsafe(no_mangle)]
pub extern "C" fn capos_last_error() -> c_int {
    LAST_ERROR.load(Ordering::Relaxed)
}

/// Error names, NUL-terminated, by code.
static NAMES: [&str; 34] = [
    "None\0",
    "UnknownOpcode\0",
    "InvalidFlags\0",
    "ReservedNotZero\0",
    "InvalidCap\0",
    "StaleCap\0",
    "WrongInterface\0",
    "UnknownMethod\0",
    "BadAddress\0",
    "TooLarge\0",
    "MalformedParams\0",
    "ResultTooSmall\0",
    "QuotaExceeded\0",
    "OutOfMemory\0",
    "NotFound\0",
    "PermissionDenied\0",
    "InvalidArgument\0",
    "TimedOut\0",
    "Cancelled\0",
    "PeerDied\0",
    "RingCorrupted\0",
    "UnknownSyscall\0",
    "Unsupported\0",
    "WouldBlock\0",
    "NotTransferable\0",
    "Revoked\0",
    "AlreadyExists\0",
    "NotADirectory\0",
    "IsADirectory\0",
    "DirectoryNotEmpty\0",
    "NoSpace\0",
    "ReadOnly\0",
    "Interrupted\0",
    "TooManyLinks\0",
];

/// `capos_error_name(code)`: the capOS error's name ("Unknown" for a code
/// it does not know).
#[unsafe(no_mangle)]
pub extern "C" fn capos_error_name(code: c_int) -> *const c_char {
    let name = usize::try_from(code).ok().and_then(|i| NAMES.get(i)).copied().unwrap_or("Unknown\0");
    name.as_ptr().cast()
}

// The table follows capos_abi's numbering.
const _: () = assert!(CapError::TooManyLinks as usize == NAMES.len() - 1);
