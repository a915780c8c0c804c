//! Pipes and readiness: `pipe`, `pipe2` over the `pipeFactory` cap (the
//! kernel's 64 KiB `Pipe` objects), reads and writes on pipe ends, and
//! `poll`, `ppoll`, `select`, `pselect6` over pipes (with `waitReady`, no
//! busy polling), files and devices (always ready) and the terminal
//! (partial: always ready, so a read may then wait). A handler
//! interrupts a wait: `EINTR` (poll and select always; a pipe read or
//! write unless `SA_RESTART`).
//!
//! A write with no reader left fails with `EPIPE` after `SIGPIPE` is
//! delivered to the process (whose default action ends it, status 141).

use alloc::vec::Vec;

use capos_abi::error::CapError;
use capos_rt::call::PendingCall;
use capos_rt::client::Timer;
use capos_rt::pipe::{Pipe, PipeFactory};
use spin::Mutex;

use crate::errno::{Errno, SysResult};
use crate::fd::{self, Description, Object, OpenPipe};
use crate::musl;
use crate::user;

/// `PIPE_BUF`: writes up to this size are atomic.
const PIPE_BUF: u32 = 4096;
/// Most bytes one pipe read asks for (the pipe's capacity).
const MAX_READ: usize = 64 * 1024;
/// Most bytes one pipe write carries: the data and its message framing
/// must fit an SQE's params (`capos_config::ring::MAX_PARAMS_LEN`, 64 KiB),
/// so a larger write goes in several calls (as `capos_rt::fs::MAX_IO`).
const MAX_WRITE: usize = 60 * 1024;

fn factory() -> Result<capos_rt::Borrowed<'static, PipeFactory>, Errno> {
    capos_rt::entry::caps().and_then(|caps| caps.get::<PipeFactory>("pipeFactory").ok()).ok_or(Errno::ENOSYS)
}

/// `pipe2(fds, flags)` (and `pipe`): `O_CLOEXEC`, `O_NONBLOCK`.
pub fn pipe2(fds: u64, flags: u64) -> SysResult {
    let allowed = (musl::O_CLOEXEC | musl::O_NONBLOCK) as u64;
    if flags & !allowed != 0 {
        return Err(Errno::EINVAL);
    }
    if fds == 0 {
        return Err(Errno::EFAULT);
    }
    let (reader, writer) = factory()?.create().map_err(|e| match e {
        CapError::QuotaExceeded => Errno::EMFILE,
        CapError::OutOfMemory => Errno::ENFILE,
        e => e.into(),
    })?;
    let cloexec = flags & musl::O_CLOEXEC as u64 != 0;
    let status = (flags & musl::O_NONBLOCK as u64) as u32;
    let end = |pipe: Pipe, write: bool| {
        let mode = if write { musl::O_WRONLY } else { musl::O_RDONLY } as u32;
        Description::new(Object::Pipe(OpenPipe { pipe, write, waiter: Mutex::new(None) }), mode | status)
    };
    let r = fd::insert(end(reader, false), cloexec, 0)?;
    let w = match fd::insert(end(writer, true), cloexec, 0) {
        Ok(w) => w,
        Err(e) => {
            drop(fd::remove(r));
            return Err(e);
        }
    };
    user::write(fds, [r as i32, w as i32])?;
    Ok(0)
}

/// Reads from a pipe's read end.
///
/// A blocking read is one kernel call while the program has no signal
/// handler; with one, it waits for the pipe to be ready between
/// non-blocking reads, so a handler can interrupt the wait (`EINTR`, or
/// the wait goes on under `SA_RESTART`) without a read left in flight
/// that would take data later.
pub fn read(p: &OpenPipe, buf: &mut [u8], nonblocking: bool) -> SysResult {
    if buf.is_empty() {
        return Ok(0);
    }
    let max = buf.len().min(MAX_READ) as u32;
    let interruptible = !nonblocking && crate::signal::any_handlers();
    let since = crate::signal::generation();
    let into = &mut buf[..max as usize];
    loop {
        match p.pipe.read_into(into, nonblocking || interruptible) {
            Err(CapError::WouldBlock) if interruptible => wait_ready(p, since)?,
            Err(CapError::WouldBlock) => return Err(Errno::EAGAIN),
            Err(e) => return Err(e.into()),
            Ok(n) => return Ok(n as i64),
        }
    }
}

/// Waits until pipe end `p` is ready; `EINTR` when a handler without
/// `SA_RESTART` ran since `since`.
fn wait_ready(p: &OpenPipe, since: u64) -> Result<(), Errno> {
    arm(p)?;
    let Some(call) = p.waiter.lock().take() else { return Ok(()) };
    let waited = capos_rt::call::wait_any_interruptible(&[&call], capos_abi::syscall::NO_TIMEOUT);
    {
        let mut waiter = p.waiter.lock();
        if waiter.is_none() && !call.is_complete() {
            *waiter = Some(call);
        }
    }
    match waited {
        Err(CapError::Interrupted) if crate::signal::interrupted(since) => Err(Errno::EINTR),
        Err(CapError::Interrupted) | Ok(_) => Ok(()),
        Err(e) => Err(e.into()),
    }
}

/// Writes to a pipe's write end: all of `data` (blocking), or what fits
/// (non-blocking); `EPIPE` and `SIGPIPE` without a reader.
pub fn write(p: &OpenPipe, data: &[u8], nonblocking: bool) -> SysResult {
    let mut total = 0usize;
    let interruptible = !nonblocking && crate::signal::any_handlers();
    let since = crate::signal::generation();
    let mut rest = data;
    while !rest.is_empty() {
        let chunk = &rest[..rest.len().min(MAX_WRITE)];
        match p.pipe.write(chunk, nonblocking || interruptible) {
            Ok(0) if interruptible => wait_ready(p, since)?,
            Ok(n) if interruptible => {
                total += n as usize;
                rest = &rest[n as usize..];
            }
            Ok(n) => {
                total += n as usize;
                rest = &rest[n as usize..];
                if (n as usize) < chunk.len() {
                    break;
                }
            }
            Err(CapError::WouldBlock) if interruptible => match wait_ready(p, since) {
                Err(Errno::EINTR) if total > 0 => break,
                Err(e) => return Err(e),
                Ok(()) => {}
            },
            Err(CapError::WouldBlock) if total > 0 => break,
            Err(CapError::WouldBlock) => return Err(Errno::EAGAIN),
            Err(CapError::PeerDied) => {
                crate::signal::raise(musl::SIGPIPE as u8);
                return if total > 0 { Ok(total as i64) } else { Err(Errno::EPIPE) };
            }
            Err(_) if total > 0 => break,
            Err(e) => return Err(e.into()),
        }
    }
    Ok(total as i64)
}

/// What `fstat` reports for a pipe end.
pub fn stat(p: &OpenPipe) -> musl::stat {
    musl::stat {
        st_dev: 3,
        st_ino: core::ptr::from_ref(p) as u64 >> 4,
        st_nlink: 1,
        st_mode: musl::S_IFIFO as u32 | 0o600,
        st_blksize: 4096,
        ..Default::default()
    }
}

const POLLIN: i16 = musl::POLLIN as i16;
const POLLOUT: i16 = musl::POLLOUT as i16;
const POLLERR: i16 = musl::POLLERR as i16;
const POLLHUP: i16 = musl::POLLHUP as i16;
const POLLNVAL: i16 = musl::POLLNVAL as i16;

/// The events of `d` that hold now, among `wanted` (POLLERR, POLLHUP and
/// POLLNVAL always count).
fn ready(d: &Description, wanted: i16) -> Result<i16, Errno> {
    let events = match &d.object {
        Object::Pipe(p) => {
            let s = p.pipe.status()?;
            if p.write {
                (if s.room >= PIPE_BUF { POLLOUT } else { 0 }) | if s.peer_gone { POLLERR } else { 0 }
            } else {
                (if s.available > 0 { POLLIN } else { 0 }) | if s.peer_gone { POLLHUP } else { 0 }
            }
        }
        Object::Stderr | Object::Console => POLLOUT,
        _ => POLLIN | POLLOUT,
    };
    Ok(events & (wanted | POLLERR | POLLHUP))
}

/// Makes sure a `waitReady` is in flight on pipe end `p` (one at most).
fn arm(p: &OpenPipe) -> Result<(), Errno> {
    let mut waiter = p.waiter.lock();
    if waiter.as_ref().is_none_or(PendingCall::is_complete) {
        *waiter = Some(p.pipe.wait_ready_async()?);
    }
    Ok(())
}

/// Waits until `poll_fds` has an event, or `timeout_ns` passes (`None`:
/// no limit; `Some(0)`: do not wait); returns how many entries have one,
/// with their `revents` set.
fn poll_fds(entries: &mut [musl::pollfd], timeout_ns: Option<u64>) -> SysResult {
    let since = crate::signal::generation();
    let descriptions: Vec<Option<alloc::sync::Arc<Description>>> =
        entries.iter().map(|e| if e.fd < 0 { None } else { fd::get(i64::from(e.fd)).ok() }).collect();
    let timer = capos_rt::entry::caps().and_then(|caps| caps.get::<Timer>("timer").ok());
    let deadline = match (timeout_ns, &timer) {
        (Some(ns), Some(t)) if ns > 0 => Some(t.now()?.saturating_add(ns)),
        _ => None,
    };
    loop {
        let mut count = 0;
        for (e, d) in entries.iter_mut().zip(&descriptions) {
            e.revents = match d {
                _ if e.fd < 0 => 0,
                None => POLLNVAL,
                Some(d) => ready(d, e.events)?,
            };
            count += i64::from(e.revents != 0);
        }
        if count > 0 || timeout_ns == Some(0) {
            return Ok(count);
        }
        // Nothing yet: wait for a pipe to become ready, or the time.
        let mut waiting: Vec<&OpenPipe> = Vec::new();
        for d in descriptions.iter().flatten() {
            if let Object::Pipe(p) = &d.object {
                arm(p)?;
                waiting.push(p);
            }
        }
        let sleep = match (deadline, &timer) {
            (Some(deadline), Some(t)) => {
                let now = t.now()?;
                if now >= deadline {
                    return Ok(0);
                }
                Some(t.sleep_async(deadline - now)?)
            }
            _ => None,
        };
        // The waits are taken out of their ends while this thread waits
        // (no lock is held across the wait) and put back after.
        let mut taken: Vec<(&OpenPipe, PendingCall)> =
            waiting.iter().filter_map(|p| p.waiter.lock().take().map(|c| (*p, c))).collect();
        let mut calls: Vec<&PendingCall> = taken.iter().map(|(_, c)| c).collect();
        if let Some(s) = &sleep {
            calls.push(s);
        }
        if calls.is_empty() {
            // Nothing can change (no pipe, no time limit): poll waits
            // forever, as on Linux with no descriptor that can become ready.
            loop {
                let r = capos_rt::syscall::cap_enter_flags(
                    1,
                    capos_abi::syscall::NO_TIMEOUT,
                    capos_abi::syscall::CAP_ENTER_INTERRUPTIBLE,
                );
                if r == i64::from(CapError::Interrupted.as_result()) {
                    crate::signal::interrupted(since);
                    if crate::signal::handled_since(since) {
                        return Err(Errno::EINTR);
                    }
                }
            }
        }
        let result = capos_rt::call::wait_any_interruptible(&calls, capos_abi::syscall::NO_TIMEOUT);
        drop(calls);
        for (p, call) in taken.drain(..) {
            let mut waiter = p.waiter.lock();
            if waiter.is_none() && !call.is_complete() {
                *waiter = Some(call);
            }
        }
        match result {
            Err(CapError::Interrupted) => {
                crate::signal::interrupted(since);
                if crate::signal::handled_since(since) {
                    return Err(Errno::EINTR);
                }
            }
            Ok(_) => {}
            Err(e) => return Err(e.into()),
        }
    }
}

/// `poll(fds, nfds, timeout_ms)`.
pub fn poll(fds: u64, nfds: u64, timeout_ms: u64) -> SysResult {
    let timeout = timeout_ms as i32;
    let timeout_ns = if timeout < 0 { None } else { Some(timeout as u64 * 1_000_000) };
    poll_at(fds, nfds, timeout_ns)
}

/// A `timespec` timeout argument in nanoseconds (`None`: NULL, no limit).
fn timespec_timeout(ptr: u64) -> Result<Option<u64>, Errno> {
    if ptr == 0 {
        return Ok(None);
    }
    let ts: musl::timespec = user::read(ptr)?;
    if ts.tv_sec < 0 || !(0..1_000_000_000).contains(&ts.tv_nsec) {
        return Err(Errno::EINVAL);
    }
    Ok(Some((ts.tv_sec as u64).saturating_mul(1_000_000_000).saturating_add(ts.tv_nsec as u64)))
}

/// `ppoll(fds, nfds, timeout, sigmask, size)` (the mask is not applied:
/// signals to self are delivered at once anyway).
pub fn ppoll(fds: u64, nfds: u64, timeout: u64) -> SysResult {
    let timeout_ns = timespec_timeout(timeout)?;
    poll_at(fds, nfds, timeout_ns)
}

fn poll_at(fds: u64, nfds: u64, timeout_ns: Option<u64>) -> SysResult {
    if nfds > fd::MAX_FDS as u64 {
        return Err(Errno::EINVAL);
    }
    let mut entries = user::array::<musl::pollfd>(fds, nfds as usize)?;
    let n = poll_fds(&mut entries, timeout_ns)?;
    for (i, e) in entries.iter().enumerate() {
        user::write(fds + (i * core::mem::size_of::<musl::pollfd>()) as u64, *e)?;
    }
    Ok(n)
}

/// `select` and `pselect6`: the three fd sets as `poll` entries, the
/// result written back into the sets.
pub fn select(nfds: u64, readfds: u64, writefds: u64, exceptfds: u64, timeout_ns: Option<u64>) -> SysResult {
    let nfds = usize::try_from(nfds).ok().filter(|&n| n <= fd::MAX_FDS).ok_or(Errno::EINVAL)?;
    let words = nfds.div_ceil(64);
    let read_set = |ptr: u64| -> Result<Vec<u64>, Errno> {
        if ptr == 0 { Ok(alloc::vec![0; words]) } else { user::array::<u64>(ptr, words) }
    };
    let (r, w, x) = (read_set(readfds)?, read_set(writefds)?, read_set(exceptfds)?);
    let bit = |set: &[u64], fd: usize| set[fd / 64] >> (fd % 64) & 1 == 1;
    let mut entries = Vec::new();
    for fd in 0..nfds {
        let mut events = 0;
        if bit(&r, fd) {
            events |= POLLIN;
        }
        if bit(&w, fd) {
            events |= POLLOUT;
        }
        if bit(&x, fd) {
            events |= musl::POLLPRI as i16;
        }
        if events != 0 {
            entries.push(musl::pollfd { fd: fd as i32, events, revents: 0 });
        }
    }
    poll_fds(&mut entries, timeout_ns)?;
    let (mut ro, mut wo, mut xo) =
        (alloc::vec![0u64; words], alloc::vec![0u64; words], alloc::vec![0u64; words]);
    let mut count = 0;
    for e in &entries {
        if e.revents & POLLNVAL != 0 {
            return Err(Errno::EBADF);
        }
        let fd = e.fd as usize;
        let mark = |set: &mut Vec<u64>| set[fd / 64] |= 1 << (fd % 64);
        if e.events & POLLIN != 0 && e.revents & (POLLIN | POLLHUP | POLLERR) != 0 {
            mark(&mut ro);
            count += 1;
        }
        if e.events & POLLOUT != 0 && e.revents & (POLLOUT | POLLERR) != 0 {
            mark(&mut wo);
            count += 1;
        }
        if e.events & musl::POLLPRI as i16 != 0 && e.revents & musl::POLLPRI as i16 != 0 {
            mark(&mut xo);
            count += 1;
        }
    }
    for (ptr, set) in [(readfds, ro), (writefds, wo), (exceptfds, xo)] {
        if ptr != 0 {
            for (i, word) in set.iter().enumerate() {
                user::write(ptr + 8 * i as u64, *word)?;
            }
        }
    }
    Ok(count)
}

/// `select(nfds, r, w, x, timeval)`.
pub fn select_timeval(nfds: u64, r: u64, w: u64, x: u64, timeout: u64) -> SysResult {
    let timeout_ns = if timeout == 0 {
        None
    } else {
        let tv: musl::timeval = user::read(timeout)?;
        if tv.tv_sec < 0 || !(0..1_000_000).contains(&tv.tv_usec) {
            return Err(Errno::EINVAL);
        }
        Some((tv.tv_sec as u64).saturating_mul(1_000_000_000).saturating_add(tv.tv_usec as u64 * 1000))
    };
    select(nfds, r, w, x, timeout_ns)
}

/// `pselect6(nfds, r, w, x, timespec, sigmask)`.
pub fn pselect6(nfds: u64, r: u64, w: u64, x: u64, timeout: u64) -> SysResult {
    let timeout_ns = timespec_timeout(timeout)?;
    select(nfds, r, w, x, timeout_ns)
}
